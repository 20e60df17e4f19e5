/**
 * A log destination that keeps every line the server writes, for assertions on the request log.
 */
import { Writable } from 'node:stream';

export class LogSink extends Writable {
  readonly #chunks: string[] = [];

  override _write(chunk: unknown, _encoding: BufferEncoding, done: (error?: Error | null) => void) {
    this.#chunks.push(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
    done();
  }

  /** Everything written so far, as one string. */
  get text(): string {
    return this.#chunks.join('');
  }

  /** Every complete line parsed as JSON (pino writes one object per line). */
  entries(): Record<string, unknown>[] {
    return this.text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** The request-log lines only (`msg` "request" or "request failed"). */
  requests(): Record<string, unknown>[] {
    return this.entries().filter((e) => e.msg === 'request' || e.msg === 'request failed');
  }

  clear(): void {
    this.#chunks.length = 0;
  }
}
