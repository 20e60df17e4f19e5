/**
 * `new Date(ms).toISOString()`, remembered: formatting a date costs about 0.8 µs, and the request
 * path formats the same few instants again and again (a token's issue and expiry times on every
 * `lookup-self`, a lease's times on every lookup). A bounded CLOCK cache keyed by the instant.
 */
import { ClockCache } from './clock-cache.ts';

const formatted = new ClockCache<number, string>({ maxEntries: 4096 });

export function isoTime(ms: number): string {
  let text = formatted.get(ms);
  if (text === undefined) {
    // Throws RangeError for an invalid time, as toISOString does; nothing is remembered then.
    text = new Date(ms).toISOString();
    formatted.set(ms, text);
  }
  return text;
}
