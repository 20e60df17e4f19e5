/**
 * The request log line: one per request, at `info`, with the request ID, method, path, status,
 * duration and (once the token is resolved) the caller's accessor. Never a token or a value.
 *
 * Two ways to write it, the same line either way:
 * - `requestLogTo`: for the logger `startServer` builds, whose options are known (no base
 *   bindings, epoch-millisecond time, numeric levels, the message under `msg`). The line is put
 *   together here and handed to that logger's destination, in the shape pino gives it. pino's
 *   generic path checks every key for a serializer and escapes every key and string character by
 *   character: about 1.5 µs a request, 5% of a token lookup's cost (bench/server-core). A test
 *   keeps the two lines byte-identical.
 * - `requestLogVia`: through any other logger, whose options this module cannot know.
 */
import { pino } from 'pino';
import { jsonString } from '../framework/json-string.ts';
import type { DestinationStream, Logger } from 'pino';

export interface RequestLogFields {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  /** Absent when the request ended before its token was resolved (or had none). */
  readonly accessor?: string | undefined;
}

/** Writes one request's line. Never throws. */
export type RequestLog = (fields: RequestLogFields) => void;

const REQUEST_MESSAGE = 'request';

/** The fields as the line names them, in the line's order (also what `requestLogVia` logs). */
export function requestLogObject(fields: RequestLogFields): Record<string, unknown> {
  const object: Record<string, unknown> = {
    request_id: fields.requestId,
    method: fields.method,
    path: fields.path,
    status: fields.status,
    duration_ms: fields.durationMs,
  };
  if (fields.accessor !== undefined) object.accessor = fields.accessor;
  return object;
}

/** Through `logger`, whatever its options. */
export function requestLogVia(logger: Logger): RequestLog {
  return (fields) => {
    logger.info(requestLogObject(fields), REQUEST_MESSAGE);
  };
}

const INFO = pino.levels.values.info;

/**
 * Straight to `destination`, the stream of `logger` (built with `base: null` and pino's default
 * time, level and message keys), when `logger` has `info` enabled.
 */
export function requestLogTo(destination: DestinationStream, logger: Logger): RequestLog {
  return (fields) => {
    if (!logger.isLevelEnabled('info')) return;
    destination.write(requestLine(fields, Date.now()));
  };
}

/** The line pino writes for `requestLogObject(fields)` at `info` at `timeMs`, newline included. */
export function requestLine(fields: RequestLogFields, timeMs: number): string {
  let line = `{"level":${INFO},"time":${timeMs},"request_id":${jsonString(fields.requestId)},"method":${jsonString(fields.method)},"path":${jsonString(fields.path)},"status":${fields.status},"duration_ms":${fields.durationMs}`;
  if (fields.accessor !== undefined) line += `,"accessor":${jsonString(fields.accessor)}`;
  return `${line},"msg":"${REQUEST_MESSAGE}"}\n`;
}
