/**
 * Rendering values in tables the way Vault's CLI does (Go's `%v`): strings bare, `null` as
 * `<nil>`, lists as `[a b]`, objects as `map[k:v]` with sorted keys; and durations as Vault's
 * short form (`768h`, `1h30m`, `∞` for no expiry).
 */
import { formatDuration } from '@strongroom/protocol';

export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => formatValue(v)).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `map[${entries.map(([k, v]) => `${k}:${formatValue(v)}`).join(' ')}]`;
  }
  return typeof value;
}

/** A list of strings quoted, as Vault shows policies: `["default" "web"]`. */
export function quotedList(value: unknown): string {
  if (!Array.isArray(value)) return formatValue(value);
  return `[${value.map((v) => JSON.stringify(typeof v === 'string' ? v : formatValue(v))).join(' ')}]`;
}

/** Seconds as Vault's short duration: `768h`, `1h30m`, `45s`; 0 is "no expiry" (`∞`). */
export function humanDuration(seconds: unknown, zero = '∞'): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return formatValue(seconds);
  if (seconds === 0) return zero;
  const text = formatDuration(seconds * 1000);
  // Go prints 768h0m0s; Vault trims the zero minutes and seconds.
  return text.replace(/(\d+[hm])0s$/, '$1').replace(/(\d+h)0m$/, '$1');
}

/** Raw field output (`-field=`): strings bare, everything else as JSON. */
export function rawField(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
