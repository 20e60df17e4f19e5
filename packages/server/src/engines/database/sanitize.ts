/**
 * The sanitizer every database driver error passes through before it becomes an API error or a
 * log field.
 *
 * Contract: the result never contains a password (the configured admin password, a generated
 * one, or one found in a connection URL or DSN), and never has a `cause` (a driver error's
 * properties can hold the SQL text, which can hold a password). Only the driver's message and
 * its error code survive, with secrets replaced.
 */
import { LogicalError } from '../../logical/errors.ts';

const REDACTED = '[redacted]';

/** Replaces every known secret and every credential-shaped substring in `text`. */
export function sanitizeMessage(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  const known = secrets
    .filter((s): s is string => s !== undefined && s.length > 0)
    // Longest first, so a secret that contains another is replaced whole.
    .sort((a, b) => b.length - a.length);
  for (const secret of known) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      out = out.split(form).join(REDACTED);
    }
    // A driver may cut the statement it quotes in the middle of a secret: redact any trailing
    // part of the message that is a prefix of it (8 characters or more).
    for (let length = secret.length - 1; length >= 8; length--) {
      const prefix = secret.slice(0, length);
      if (out.includes(prefix)) {
        out = out.split(prefix).join(REDACTED);
        break;
      }
    }
  }
  return (
    out
      // scheme://user:password@host
      .replace(/([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*):[^@\s]*@/gi, `$1:${REDACTED}@`)
      // Go DSN: user:password@tcp(host) / @unix(path)
      .replace(/([^\s:@/(]+):[^\s@]*@(tcp|unix)\(/gi, `$1:${REDACTED}@$2(`)
      // key=value DSNs: password=..., pwd=...
      .replace(/\b(password|pwd|passwd)\s*=\s*('[^']*'|"[^"]*"|[^\s;&]+)/gi, `$1=${REDACTED}`)
      // SQL echoed back in syntax errors: IDENTIFIED BY '...', PASSWORD '...'
      .replace(/\b(IDENTIFIED\s+BY|PASSWORD)\s+('[^']*'?|"[^"]*"?)/gi, `$1 '${REDACTED}'`)
      // SET PASSWORD FOR 'user'@'host' = '...'
      .replace(/\b(PASSWORD\s+FOR\s+\S+\s*=\s*)('[^']*'?|"[^"]*"?)/gi, `$1'${REDACTED}'`)
  );
}

/** The driver's error code (`ECONNREFUSED`, `28P01`, `ER_ACCESS_DENIED_ERROR`), if any. */
export function driverErrorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = error.code;
    if (typeof code === 'string' || typeof code === 'number') return String(code);
  }
  return undefined;
}

function driverMessage(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    // Node's happy-eyeballs connect failures carry an empty message and the real errors inside.
    const inner = error.errors
      .map((e: unknown) => (e instanceof Error ? e.message : ''))
      .filter((m) => m !== '');
    if (inner.length > 0) return inner.join('; ');
  }
  if (error instanceof Error && error.message !== '') return error.message;
  return driverErrorCode(error) ?? 'unknown database error';
}

/**
 * Turns a driver error into a `LogicalError` whose message is `<context>: <sanitized driver
 * message>`. The status is 500 unless the caller knows better (a config write's failed
 * verification is the caller's mistake: 400). Already-sanitized `LogicalError`s pass unchanged.
 */
export function databaseError(
  context: string,
  error: unknown,
  secrets: readonly (string | undefined)[],
  status = 500,
): LogicalError {
  if (error instanceof LogicalError) return error;
  const code = driverErrorCode(error);
  const message = sanitizeMessage(driverMessage(error), secrets);
  const suffix = code !== undefined && !message.includes(code) ? ` (${code})` : '';
  return new LogicalError(
    status >= 500 ? 'upstream_unavailable' : 'bad_request',
    status,
    `${context}: ${message}${suffix}`,
  );
}

/** A log-safe summary of an error: its code and type only, never its message. */
export function errorSummary(error: unknown): { code: string; type: string } {
  if (error instanceof LogicalError) return { code: error.code, type: error.name };
  return {
    code: driverErrorCode(error) ?? 'unknown',
    type: error instanceof Error ? error.name : typeof error,
  };
}

/**
 * Runs `fn` on a connection taken from a driver's pool, always given back. A failure to connect
 * or in `fn` becomes `databaseError(what, ...)`: no secret (the connection's, or the statement
 * values in `secrets`) reaches its message.
 */
export async function withPooledConnection<C extends { release(): void }, T>(
  acquire: () => Promise<C>,
  what: string,
  secrets: readonly (string | undefined)[],
  fn: (conn: C) => Promise<T>,
): Promise<T> {
  let conn: C;
  try {
    conn = await acquire();
  } catch (error) {
    throw databaseError(`${what}: unable to connect`, error, secrets);
  }
  try {
    return await fn(conn);
  } catch (error) {
    throw databaseError(what, error, secrets);
  } finally {
    conn.release();
  }
}
