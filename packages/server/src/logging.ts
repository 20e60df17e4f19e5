/**
 * Log lines written once per event-loop turn.
 *
 * Every request logs a line, and a pino destination writes each line as it comes: one system
 * call per request on standard output, one pass through a stream's machinery otherwise. The
 * lines of a turn (the log lines of the answers it wrote, among others) are gathered here and
 * written to the real destination together at the turn's end (`atTurnEnd`), in order.
 *
 * Nothing is held past the turn. Lines still gathered when the process exits (a `process.exit`
 * in the turn that logged them, an uncaught exception) are written from the `exit` event; `flush`
 * writes them at once (pino's `logger.flush()` calls it).
 */
import type { DestinationStream } from 'pino';
import { atTurnEnd } from './framework/turn-end.ts';

/** The batchers with lines gathered, written out if the process exits first. */
const gathering = new Set<TurnBatchedLines>();
let exitHooked = false;

function flushAllOnExit(): void {
  for (const lines of gathering) lines.flush();
}

export class TurnBatchedLines implements DestinationStream {
  readonly #inner: DestinationStream;
  #lines: string[] = [];

  constructor(inner: DestinationStream) {
    this.#inner = inner;
    if (!exitHooked) {
      exitHooked = true;
      process.once('exit', flushAllOnExit);
    }
  }

  write(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length === 1) {
      gathering.add(this);
      atTurnEnd(this.#flushTask);
    }
  }

  /** Writes the gathered lines now. */
  flush(): void {
    const lines = this.#lines;
    if (lines.length === 0) return;
    this.#lines = [];
    gathering.delete(this);
    this.#inner.write(lines.length === 1 ? (lines[0] as string) : lines.join(''));
  }

  readonly #flushTask = (): void => {
    try {
      this.flush();
    } catch {
      // The destination refused the write (a closed stream): logs are best effort, and a task
      // at the turn's end must not throw. The lines are dropped, as a failed write drops them.
    }
  };
}
