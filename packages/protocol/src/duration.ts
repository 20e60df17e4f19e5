/**
 * Durations in every form Vault accepts.
 *
 * Vault takes a duration either as an integer number of seconds (`90`, `"90"`) or as a
 * Go duration string (`"90s"`, `"1h30m"`, `"2h45m10s"`, `"500ms"`, `"768h"`), plus the `d`
 * (day) unit that Vault's own parser adds. Responses always carry integer seconds.
 *
 * Internally Strongroom works in milliseconds; `parseDuration` returns milliseconds.
 */

export class DurationError extends Error {
  readonly code = 'invalid_duration';
  constructor(message: string) {
    super(message);
    this.name = 'DurationError';
  }
}

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const SEGMENT = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)/y;
const INTEGER = /^\d+$/;

/** Shows user input in an error without letting an absurdly long value flood a log line. */
function quote(input: string): string {
  return JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}...` : input);
}

/**
 * Parses a Vault duration into milliseconds.
 * Accepts non-negative integer seconds (number or digit string) and Go duration strings.
 * Throws `DurationError` for anything else: negative values, fractions without a unit,
 * unknown units, empty strings, non-finite numbers.
 */
export function parseDuration(input: unknown): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || !Number.isInteger(input) || input < 0) {
      throw new DurationError(
        `invalid duration ${String(input)}: a number must be a non-negative integer of seconds`,
      );
    }
    return input * 1000;
  }
  if (typeof input !== 'string') {
    throw new DurationError(
      `invalid duration: expected a number of seconds or a string such as "1h30m", got ${input === null ? 'null' : typeof input}`,
    );
  }
  const text = input.trim();
  if (text === '') {
    throw new DurationError('invalid duration "": empty');
  }
  if (INTEGER.test(text)) {
    return Number(text) * 1000;
  }
  if (text.startsWith('-')) {
    throw new DurationError(`invalid duration ${quote(input)}: must not be negative`);
  }
  const body = text.startsWith('+') ? text.slice(1) : text;
  let total = 0;
  SEGMENT.lastIndex = 0;
  while (SEGMENT.lastIndex < body.length) {
    const start = SEGMENT.lastIndex;
    const match = SEGMENT.exec(body);
    if (match === null || match.index !== start) {
      throw new DurationError(
        `invalid duration ${quote(input)}: expected integer seconds or segments like "1h30m", "90s", "500ms" (units ns, us, ms, s, m, h, d)`,
      );
    }
    const [, amount = '', unit = ''] = match;
    const factor = UNIT_MS[unit];
    if (factor === undefined) {
      throw new DurationError(`invalid duration ${quote(input)}: unknown unit "${unit}"`);
    }
    total += Number(amount) * factor;
  }
  if (!Number.isFinite(total) || total > Number.MAX_SAFE_INTEGER) {
    throw new DurationError(`invalid duration ${quote(input)}: too large`);
  }
  return Math.round(total * 1e6) / 1e6;
}

/** Parses a Vault duration into whole seconds (fractions of a second are truncated, as Vault does). */
export function parseDurationSeconds(input: unknown): number {
  return Math.trunc(parseDuration(input) / 1000);
}

/**
 * Formats milliseconds the way Go's `time.Duration.String()` does, which is how Vault prints
 * durations: `"1h30m0s"`, `"768h0m0s"`, `"500ms"`, `"0s"`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) {
    throw new DurationError(`cannot format a non-finite duration`);
  }
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) {
    if (rest >= 1) return `${sign}${trimNumber(rest)}ms`;
    if (rest >= 1e-3) return `${sign}${trimNumber(rest * 1e3)}µs`;
    return `${sign}${trimNumber(rest * 1e6)}ns`;
  }
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = trimNumber(rest / 1000);
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

function trimNumber(value: number): string {
  return String(Math.round(value * 1e9) / 1e9);
}
