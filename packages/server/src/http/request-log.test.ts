import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { requestLine, requestLogTo, requestLogVia } from './request-log.ts';
import type { RequestLogFields } from './request-log.ts';

const TIME = 1_764_000_000_123;

/** A logger with the options startServer gives its own, writing into `lines`. */
function serverLogger(lines: string[], level = 'info'): pino.Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return pino(
    {
      level,
      base: null,
      redact: { paths: ['token', 'client_token', '*.token'], censor: '[redacted]' },
      timestamp: () => `,"time":${TIME}`,
    },
    sink,
  );
}

const CASES: readonly RequestLogFields[] = [
  {
    requestId: '0b8e3c1e-8a4a-4f8e-9f3c-2d6f1b7a9e01',
    method: 'GET',
    path: 'auth/token/lookup-self',
    status: 200,
    durationMs: 0.12,
    accessor: 'Xk2bQ9aZ8yW7vU6tS5rR4qP3',
  },
  // No accessor (refused before the token was looked at), a whole-number duration.
  { requestId: 'r-2', method: 'LIST', path: 'nowhere', status: 404, durationMs: 3 },
  // Characters JSON must escape, and non-ASCII, in the path.
  {
    requestId: 'r-3',
    method: 'PUT',
    path: 'secret/data/a "quoted"\\back\tslash/ünïcødé/\u0001',
    status: 400,
    durationMs: 12.34,
    accessor: 'acc',
  },
];

describe('the request log line', () => {
  it.each(CASES)('is byte for byte the line pino writes ($path)', (fields) => {
    const lines: string[] = [];
    requestLogVia(serverLogger(lines))(fields);
    expect(lines).toHaveLength(1);
    expect(requestLine(fields, TIME)).toBe(lines[0]);
  });

  it("goes to the destination only when the logger's level lets info through", () => {
    const written: string[] = [];
    const destination = { write: (line: string) => written.push(line) };
    const fields = CASES[0] as RequestLogFields;

    requestLogTo(destination, serverLogger([], 'info'))(fields);
    expect(written).toHaveLength(1);
    expect(JSON.parse(written[0] as string)).toMatchObject({
      level: 30,
      request_id: fields.requestId,
      status: 200,
      accessor: fields.accessor,
      msg: 'request',
    });

    requestLogTo(destination, serverLogger([], 'warn'))(fields);
    expect(written).toHaveLength(1);
  });
});
