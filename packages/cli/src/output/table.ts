/**
 * Columns as Vault's CLI prints them: each column padded to its widest cell, four spaces between
 * columns, and a header row underlined with dashes of the header's length.
 */

const GAP = '    ';

/** Aligned lines for a header and rows; trailing spaces are trimmed. */
export function columns(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = [header, header.map((h) => '-'.repeat(h.length)), ...rows];
  const widths: number[] = [];
  for (const row of all) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell));
    });
  }
  return all.map((row) =>
    row
      .map((cell, i) =>
        i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - displayWidth(cell)),
      )
      .join(GAP)
      .trimEnd(),
  );
}

/** A `Key`/`Value` table. */
export function keyValueTable(pairs: readonly (readonly [string, string])[]): string[] {
  return columns(['Key', 'Value'], pairs);
}

/** `== Title ==`, widened with `=` to `width` (the table under it), as Vault heads sections. */
export function sectionHeader(title: string, width = 0): string {
  const inner = ` ${title} `;
  const total = Math.max(inner.length + 4, width);
  const left = Math.floor((total - inner.length) / 2);
  return `${'='.repeat(left)}${inner}${'='.repeat(total - inner.length - left)}`;
}

/** Width of the widest line. */
export function widthOf(lines: readonly string[]): number {
  return lines.reduce((max, line) => Math.max(max, displayWidth(line)), 0);
}

function displayWidth(text: string): number {
  // Code points, not UTF-16 units: `∞` and accented names count as one column.
  return Array.from(text).length;
}
