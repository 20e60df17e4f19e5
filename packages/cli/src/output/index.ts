/** How the CLI prints: tables, values, responses. */
export { columns, keyValueTable, sectionHeader, widthOf } from './table.ts';
export { formatValue, humanDuration, quotedList, rawField } from './values.ts';
export {
  authPairs,
  byKey,
  printField,
  printFormatted,
  printJson,
  printLines,
  printResponse,
  responsePairs,
  selectField,
} from './secret.ts';
export type { OutputFormat, PrintOptions } from './secret.ts';
