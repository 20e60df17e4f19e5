/**
 * Claim checks that JWT roles add on top of jose's verification, as pure functions: claim
 * lookup (top-level names or JSON pointers), bound claims (exact or glob), claim mappings into
 * token metadata, and the per-claim leeways Vault applies to `exp`, `nbf` and `iat`.
 *
 * Messages name claims, never their values: a claim may be personal data.
 */
import type { JWTPayload } from 'jose';
import { badRequest } from '../../logical/errors.ts';
import { globMatch } from '../glob.ts';

export type BoundClaimsType = 'string' | 'glob';

/** A claim by name, or by JSON pointer when the name starts with `/` (`/groups/0`). */
export function getClaim(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  if (!name.startsWith('/')) return claims[name];
  let current: unknown = claims;
  for (const raw of name.slice(1).split('/')) {
    const part = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(part)) return undefined;
      current = current[Number(part)];
    } else if (typeof current === 'object' && current !== null) {
      current = (current as Record<string, unknown>)[part];
    } else {
      return undefined;
    }
  }
  return current;
}

/** A scalar claim as a string (strings, numbers, booleans), else undefined. */
export function claimString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * Every bound claim must be present and match one of its expected values; a list claim
 * matches when any of its elements does. Throws a 400 naming the first claim that fails.
 */
export function checkBoundClaims(
  claims: Readonly<Record<string, unknown>>,
  bound: Readonly<Record<string, readonly string[]>>,
  type: BoundClaimsType,
): void {
  for (const [name, expected] of Object.entries(bound)) {
    const value = getClaim(claims, name);
    if (value === undefined || value === null) throw badRequest(`claim "${name}" is missing`);
    const actual = (Array.isArray(value) ? value : [value])
      .map(claimString)
      .filter((v): v is string => v !== undefined);
    const matches = actual.some((a) =>
      expected.some((e) => (type === 'glob' ? globMatch(e, a) : e === a)),
    );
    if (!matches) {
      throw badRequest(`claim "${name}" does not match any associated bound claim values`);
    }
  }
}

/** Token metadata from `claim_mappings` (claim -> metadata key); absent claims are skipped. */
export function mapClaims(
  claims: Readonly<Record<string, unknown>>,
  mappings: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [claim, key] of Object.entries(mappings)) {
    const value = getClaim(claims, claim);
    if (value === undefined || value === null) continue;
    const text = claimString(value);
    if (text === undefined) {
      throw badRequest(`claim "${claim}" could not be converted to a string for claim_mappings`);
    }
    out[key] = text;
  }
  return out;
}

/** Effective leeways in milliseconds (already resolved from the role: default or disabled). */
export interface Leeways {
  readonly clockSkewMs: number;
  readonly expirationMs: number;
  readonly notBeforeMs: number;
}

/**
 * Vault's time checks, exact per claim: expired when `now` is past `exp + skew + expiration`;
 * not yet valid when `now + skew + notBefore` is before `nbf`; refused when issued after
 * `now + skew`. (jose has checked with the widest of these; this narrows to the exact one.)
 */
export function checkTimes(claims: JWTPayload, nowMs: number, leeways: Leeways): void {
  const at = (seconds: number) => seconds * 1000;
  if (
    typeof claims.exp === 'number' &&
    nowMs >= at(claims.exp) + leeways.clockSkewMs + leeways.expirationMs
  ) {
    throw badRequest('token is expired');
  }
  if (
    typeof claims.nbf === 'number' &&
    nowMs + leeways.clockSkewMs + leeways.notBeforeMs < at(claims.nbf)
  ) {
    throw badRequest('token is not yet valid');
  }
  if (typeof claims.iat === 'number' && nowMs + leeways.clockSkewMs < at(claims.iat)) {
    throw badRequest('token was issued in the future');
  }
}

/** Vault's defaults when a role leaves a leeway at 0; -1 disables it. */
export const DEFAULT_LEEWAYS: Leeways = {
  clockSkewMs: 60_000,
  expirationMs: 150_000,
  notBeforeMs: 150_000,
};

export function resolveLeeway(storedMs: number, defaultMs: number): number {
  if (storedMs < 0) return 0;
  return storedMs === 0 ? defaultMs : storedMs;
}
