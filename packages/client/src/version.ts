/**
 * Secret versions. A provider's own version identifier wins; otherwise the version is derived
 * from the value, so that two fetches of the same value always agree and a changed value always
 * (up to a 32-bit collision) differs.
 */
import { createHash } from 'node:crypto';
import type { SecretData } from './provider.ts';

/**
 * The canonical text of a value: strings as they are; anything else as JSON with object keys
 * sorted at every depth, so that key order never changes the version.
 */
export function canonicalValue(value: SecretData): string {
  return typeof value === 'string' ? value : JSON.stringify(sortKeys(value));
}

/** The first 8 hex digits of the SHA-256 of the canonical value. */
export function deriveVersion(value: SecretData): string {
  return createHash('sha256').update(canonicalValue(value)).digest('hex').slice(0, 8);
}

/** The provider's version when it has one, else the derived one. */
export function resolveVersion(value: SecretData, providerVersion: string | undefined): string {
  return providerVersion ?? deriveVersion(value);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  }
  return sorted;
}
