/**
 * Helpers for this folder's tests and the token store's: a logger that records what it would
 * print (so tests can assert that nothing secret is logged), and a storage whose failures are
 * switchable. Not part of the public surface.
 */
import { pino } from 'pino';
import type { Logger } from 'pino';
import { MemoryStorage } from '../../storage/memory.ts';

export interface CapturedLogger {
  readonly logger: Logger;
  /** Every line written, as parsed JSON objects. */
  readonly lines: Record<string, unknown>[];
  /** Every line written, raw. */
  readonly text: () => string;
}

export function captureLogger(): CapturedLogger {
  const raw: string[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write(line: string): void {
        raw.push(line);
      },
    },
  );
  return {
    logger,
    get lines() {
      return raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    text: () => raw.join(''),
  };
}

/** A fresh in-memory storage (the project's own MemoryStorage). */
export function memoryStorage(): MemoryStorage {
  return new MemoryStorage();
}
