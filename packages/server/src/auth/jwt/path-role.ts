/**
 * `role/<name>` (create, read, update, delete) and LIST `role` for JWT/OIDC.
 *
 * A role says which JWTs may log in (audiences, subject, bound claims) and what their tokens
 * get (token_* fields, metadata from claim_mappings). `user_claim` is required; a `jwt` role
 * needs at least one binding, so a role never accepts every token its issuer signs. Role type
 * `oidc` is stored, but the browser redirect flow is not implemented: `login` refuses it.
 */
import { parseDuration } from '@strongroom/protocol';
import { readStoredRole, rolePaths as sharedRolePaths } from '../role-paths.ts';
import type { CompiledPath, PathContext } from '../../framework/path.ts';
import { isPlainObject } from '../../framework/fields.ts';
import type { FieldTable } from '../../framework/fields.ts';
import { badRequest, invalidField } from '../../logical/errors.ts';
import type { Storage } from '../../logical/storage.ts';
import {
  DEFAULT_TOKEN_SETTINGS,
  LEGACY_TOKEN_FIELDS,
  TOKEN_FIELDS,
  applyTokenFields,
  tokenSettingsData,
} from '../token-fields.ts';
import type { TokenSettings } from '../token-fields.ts';
import type { BoundClaimsType } from './claims.ts';

export interface JwtRole {
  readonly name: string;
  readonly roleType: 'jwt' | 'oidc';
  readonly boundAudiences: readonly string[];
  readonly userClaim: string;
  readonly boundSubject: string;
  readonly boundClaims: Readonly<Record<string, readonly string[]>>;
  readonly boundClaimsType: BoundClaimsType;
  readonly claimMappings: Readonly<Record<string, string>>;
  readonly groupsClaim: string;
  /** Milliseconds; 0 = Vault's default, -1 = disabled. */
  readonly clockSkewLeewayMs: number;
  readonly expirationLeewayMs: number;
  readonly notBeforeLeewayMs: number;
  readonly token: TokenSettings;
}

const leewayField = (what: string, seconds: number) =>
  ({
    type: 'json',
    description: `Leeway for ${what}, in seconds or a duration (0 = ${seconds}s, -1 = none).`,
  }) as const;

const roleFields = {
  name: { type: 'string', description: 'Name of the role.', required: true },
  role_type: {
    type: 'string',
    description: 'The role type: "jwt" or "oidc" (default "oidc", as Vault).',
    allowed: ['jwt', 'oidc'],
  },
  bound_audiences: {
    type: 'comma-string-slice',
    description: 'Audiences ("aud") of which the token must name at least one.',
  },
  user_claim: {
    type: 'string',
    description: 'The claim that names the user (the token display name).',
  },
  bound_subject: { type: 'string', description: 'The value the "sub" claim must have.' },
  bound_claims: {
    type: 'map',
    description: 'Claims the token must carry, each with a value or list of allowed values.',
  },
  bound_claims_type: {
    type: 'string',
    description: 'How bound_claims values match: "string" (exact) or "glob" ("*").',
    allowed: ['string', 'glob'],
  },
  claim_mappings: {
    type: 'map',
    description: 'Claims copied into token metadata, as claim -> metadata key.',
  },
  groups_claim: { type: 'string', description: 'Accepted and stored; groups are not mapped.' },
  clock_skew_leeway: leewayField('clock skew on every time claim', 60),
  expiration_leeway: leewayField('"exp"', 150),
  not_before_leeway: leewayField('"nbf"', 150),
  ...TOKEN_FIELDS,
  ...LEGACY_TOKEN_FIELDS,
} as const satisfies FieldTable;

export function readRole(storage: Storage, name: string): Promise<JwtRole | undefined> {
  return readStoredRole<JwtRole>(storage, name);
}

export function rolePaths(): CompiledPath[] {
  return sharedRolePaths({
    fields: roleFields,
    noun: 'JWT/OIDC role',
    view: roleData,
    build: buildRole,
  });
}

function buildRole(
  { fields, provided }: PathContext<typeof roleFields>,
  name: string,
  previous: JwtRole | undefined,
): JwtRole {
  const base: JwtRole = previous ?? {
    name,
    roleType: 'oidc',
    boundAudiences: [],
    userClaim: '',
    boundSubject: '',
    boundClaims: {},
    boundClaimsType: 'string',
    claimMappings: {},
    groupsClaim: '',
    clockSkewLeewayMs: 0,
    expirationLeewayMs: 0,
    notBeforeLeewayMs: 0,
    token: DEFAULT_TOKEN_SETTINGS,
  };
  const boundClaimsType = (fields.bound_claims_type ?? base.boundClaimsType) as BoundClaimsType;
  const role: JwtRole = {
    name,
    roleType: (fields.role_type ?? base.roleType) as JwtRole['roleType'],
    boundAudiences: fields.bound_audiences ?? base.boundAudiences,
    userClaim: fields.user_claim ?? base.userClaim,
    boundSubject: fields.bound_subject ?? base.boundSubject,
    boundClaims:
      fields.bound_claims === undefined
        ? base.boundClaims
        : parseBoundClaims(fields.bound_claims, boundClaimsType),
    boundClaimsType,
    claimMappings:
      fields.claim_mappings === undefined
        ? base.claimMappings
        : parseClaimMappings(fields.claim_mappings),
    groupsClaim: fields.groups_claim ?? base.groupsClaim,
    clockSkewLeewayMs: parseLeeway(
      'clock_skew_leeway',
      fields.clock_skew_leeway,
      base.clockSkewLeewayMs,
    ),
    expirationLeewayMs: parseLeeway(
      'expiration_leeway',
      fields.expiration_leeway,
      base.expirationLeewayMs,
    ),
    notBeforeLeewayMs: parseLeeway(
      'not_before_leeway',
      fields.not_before_leeway,
      base.notBeforeLeewayMs,
    ),
    token: applyTokenFields(base.token, fields, provided),
  };
  if (role.userClaim === '') throw badRequest('a user claim must be defined on the role');
  if (
    role.roleType === 'jwt' &&
    role.boundAudiences.length === 0 &&
    role.boundSubject === '' &&
    Object.keys(role.boundClaims).length === 0 &&
    role.token.boundCidrs.length === 0
  ) {
    throw badRequest(
      'must have at least one bound constraint when creating/updating a role: ' +
        'bound_audiences, bound_subject, bound_claims or token_bound_cidrs',
    );
  }
  return role;
}

function parseBoundClaims(
  raw: Record<string, unknown>,
  type: BoundClaimsType,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [claim, value] of Object.entries(raw)) {
    const list = Array.isArray(value) ? (value as unknown[]) : [value];
    const strings = list.map((item) => {
      if (typeof item === 'string') return item;
      if (type === 'string' && (typeof item === 'number' || typeof item === 'boolean')) {
        return String(item);
      }
      throw invalidField(
        'bound_claims',
        `the values of "${claim}" must be ${type === 'glob' ? 'strings' : 'strings, numbers or booleans'}`,
      );
    });
    out[claim] = strings;
  }
  return out;
}

function parseClaimMappings(raw: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const targets = new Set<string>();
  for (const [claim, key] of Object.entries(raw)) {
    if (typeof key !== 'string' || key === '') {
      throw invalidField('claim_mappings', `the metadata key for "${claim}" must be a string`);
    }
    if (key === 'role') throw invalidField('claim_mappings', 'metadata key "role" is reserved');
    if (targets.has(key)) {
      throw invalidField('claim_mappings', `metadata key "${key}" is mapped more than once`);
    }
    targets.add(key);
    out[claim] = key;
  }
  return out;
}

function parseLeeway(field: string, raw: unknown, current: number): number {
  if (raw === undefined || raw === null) return current;
  if (raw === -1 || raw === '-1') return -1;
  try {
    return parseDuration(raw);
  } catch {
    throw invalidField(field, 'expected seconds, a duration, or -1');
  }
}

function roleData(role: JwtRole): Record<string, unknown> {
  const seconds = (ms: number) => (ms < 0 ? -1 : Math.floor(ms / 1000));
  return {
    role_type: role.roleType,
    bound_audiences: [...role.boundAudiences],
    user_claim: role.userClaim,
    bound_subject: role.boundSubject,
    bound_claims: isPlainObject(role.boundClaims) ? { ...role.boundClaims } : {},
    bound_claims_type: role.boundClaimsType,
    claim_mappings: { ...role.claimMappings },
    groups_claim: role.groupsClaim,
    clock_skew_leeway: seconds(role.clockSkewLeewayMs),
    expiration_leeway: seconds(role.expirationLeewayMs),
    not_before_leeway: seconds(role.notBeforeLeewayMs),
    ...tokenSettingsData(role.token),
  };
}
