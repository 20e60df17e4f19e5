import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TurnBatchedLines } from './logging.ts';

function collector(): { writes: string[]; write(text: string): void } {
  const writes: string[] = [];
  return {
    writes,
    write(text: string) {
      writes.push(text);
    },
  };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('TurnBatchedLines', () => {
  it('writes the lines of a turn together, in order, at its end', async () => {
    const inner = collector();
    const lines = new TurnBatchedLines(inner);
    lines.write('one\n');
    lines.write('two\n');
    expect(inner.writes).toEqual([]);
    await nextTurn();
    expect(inner.writes).toEqual(['one\ntwo\n']);
    lines.write('three\n');
    await nextTurn();
    expect(inner.writes).toEqual(['one\ntwo\n', 'three\n']);
  });

  it('writes at once on flush, and then nothing twice', async () => {
    const inner = collector();
    const lines = new TurnBatchedLines(inner);
    lines.write('one\n');
    lines.flush();
    expect(inner.writes).toEqual(['one\n']);
    await nextTurn();
    expect(inner.writes).toEqual(['one\n']);
  });

  it('loses no line when the process exits in the turn that logged it', () => {
    const module = pathToFileURL(new URL('./logging.ts', import.meta.url).pathname).href;
    const script = `
      import { TurnBatchedLines } from ${JSON.stringify(module)};
      const lines = new TurnBatchedLines({ write: (text) => process.stdout.write(text) });
      lines.write('last words\\n');
      process.exit(3);
    `;
    let output = '';
    try {
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    } catch (error) {
      const failed = error as { status: number; stdout: string };
      expect(failed.status).toBe(3);
      output = failed.stdout;
    }
    expect(output).toBe('last words\n');
  });

  it('keeps going when the destination throws', async () => {
    let fail = true;
    const inner = collector();
    const lines = new TurnBatchedLines({
      write(text: string) {
        if (fail) throw new Error('stream closed');
        inner.write(text);
      },
    });
    lines.write('dropped\n');
    await nextTurn();
    fail = false;
    lines.write('kept\n');
    await nextTurn();
    expect(inner.writes).toEqual(['kept\n']);
  });
});
