/**
 * Audit device options: Vault passes them as a map of strings. Parsing and validation happen
 * here, once; every failure is a 400 naming the option (never echoing a value that could be
 * secret: option values are paths, addresses and flags).
 */
import { DurationError, parseDuration } from '@strongroom/protocol';
import { LogicalError } from '../logical/errors.ts';

export type DeviceOptions = Readonly<Record<string, string>>;

/** The options every device type shares (Vault's common configuration options). */
export interface CommonOptions {
  /** Written before each JSON record. */
  readonly prefix: string;
  /** Hash token accessors (default true). */
  readonly hmacAccessor: boolean;
  readonly elideListResponses: boolean;
  /** Do not probe the destination when the device is enabled. */
  readonly skipTest: boolean;
}

export function invalidOption(message: string): LogicalError {
  return new LogicalError('invalid_field', 400, message);
}

/**
 * Options as Vault's API takes them: a map whose values are strings. Numbers and booleans are
 * accepted and written as strings, as Vault's JSON decoding into `map[string]string` is lenient
 * about them through its CLI.
 */
export function toDeviceOptions(raw: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'string') out[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
    else throw invalidOption(`option "${key}" must be a string`);
  }
  return out;
}

export function parseCommonOptions(options: DeviceOptions): CommonOptions {
  const format = options.format ?? '';
  if (format !== '' && format !== 'json') {
    throw invalidOption(`unsupported audit format "${format}": only "json" is supported`);
  }
  // Strongroom never writes raw values to an audit log: a device that would is refused rather
  // than silently hashed, so the operator learns the option has no effect.
  if (parseBool(options, 'log_raw', false)) {
    throw invalidOption('log_raw is not supported: audit devices always hash sensitive values');
  }
  return {
    prefix: options.prefix ?? '',
    hmacAccessor: parseBool(options, 'hmac_accessor', true),
    elideListResponses: parseBool(options, 'elide_list_responses', false),
    skipTest: parseBool(options, 'skip_test', false),
  };
}

export function parseBool(options: DeviceOptions, name: string, fallback: boolean): boolean {
  const raw = options[name];
  if (raw === undefined || raw === '') return fallback;
  switch (raw.trim().toLowerCase()) {
    case 'true':
    case '1':
    case 't':
      return true;
    case 'false':
    case '0':
    case 'f':
      return false;
    default:
      throw invalidOption(`option "${name}" must be a boolean`);
  }
}

/** A duration option in milliseconds (`"2s"`, `"500ms"`, or seconds as a number). */
export function parseDurationOption(
  options: DeviceOptions,
  name: string,
  fallback: number,
): number {
  const raw = options[name];
  if (raw === undefined || raw === '') return fallback;
  try {
    return parseDuration(raw);
  } catch (error) {
    if (error instanceof DurationError) throw invalidOption(`option "${name}": ${error.message}`);
    throw error;
  }
}

/**
 * The file mode option: an octal string such as `"0600"`. Executable bits are cleared (an audit
 * log is never executable); setuid, setgid and sticky bits are refused. 0 means "leave the mode
 * alone", as in Vault.
 */
export function parseModeOption(options: DeviceOptions): number {
  const raw = (options.mode ?? '').trim();
  if (raw === '') return 0o600;
  if (!/^[0-7]{1,4}$/.test(raw)) throw invalidOption('option "mode" must be an octal file mode');
  const mode = parseInt(raw, 8);
  if (mode > 0o777) throw invalidOption('option "mode" must be a regular file mode');
  return mode & 0o666;
}
