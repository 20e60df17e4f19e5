/**
 * The `token_*` fields every auth method's roles share (Vault's tokenutil), in one place: the
 * field table, how a write updates stored settings, how a read shows them, and how a login
 * turns them into the `AuthResult` the pipeline makes a token from.
 *
 * Legacy names (`policies`, `period`, and for JWT/Kubernetes `ttl`, `max_ttl`, `num_uses`,
 * `bound_cidrs`) are accepted when their `token_*` counterpart is not sent; sending both with
 * different values is refused, as Vault does.
 */
import { minPositive } from '../framework/ttl.ts';
import type { FieldTable } from '../framework/fields.ts';
import type { MountInfo } from '../logical/backend.ts';
import { badRequest } from '../logical/errors.ts';
import type { AuthResult } from '../logical/response.ts';
import { parseCidrList } from './cidr.ts';

/** Token types a role may ask for; only service tokens are issued (see `applyTokenFields`). */
const TOKEN_TYPES = ['', 'default', 'service', 'default-service', 'batch', 'default-batch'];

export const TOKEN_FIELDS = {
  token_policies: {
    type: 'comma-string-slice',
    description: 'Policies attached to tokens issued through this role.',
  },
  policies: {
    type: 'comma-string-slice',
    description: 'Deprecated: use "token_policies".',
  },
  token_ttl: {
    type: 'duration',
    description: 'The initial TTL of issued tokens (0 = the mount default).',
  },
  token_max_ttl: {
    type: 'duration',
    description: 'The maximum lifetime of issued tokens across renewals (0 = the mount max).',
  },
  token_explicit_max_ttl: {
    type: 'duration',
    description: 'A hard cap on issued tokens, which also binds periodic tokens (0 = none).',
  },
  token_period: {
    type: 'duration',
    description: 'Makes issued tokens periodic: each renewal resets the TTL to this period.',
  },
  period: { type: 'duration', description: 'Deprecated: use "token_period".' },
  token_num_uses: {
    type: 'int',
    description: 'How many requests an issued token may make (0 = unlimited).',
  },
  token_bound_cidrs: {
    type: 'comma-string-slice',
    description: 'CIDR blocks allowed to log in and to use issued tokens.',
  },
  token_no_default_policy: {
    type: 'bool',
    description: 'Do not add the "default" policy to issued tokens.',
  },
  token_type: {
    type: 'string',
    description: 'The token type: "service" or "default" (batch tokens are not supported).',
    allowed: TOKEN_TYPES,
  },
} as const satisfies FieldTable;

/** The older unprefixed names JWT and Kubernetes roles still accept. */
export const LEGACY_TOKEN_FIELDS = {
  ttl: { type: 'duration', description: 'Deprecated: use "token_ttl".' },
  max_ttl: { type: 'duration', description: 'Deprecated: use "token_max_ttl".' },
  num_uses: { type: 'int', description: 'Deprecated: use "token_num_uses".' },
  bound_cidrs: { type: 'comma-string-slice', description: 'Deprecated: use "token_bound_cidrs".' },
} as const satisfies FieldTable;

/** Stored token settings of a role (milliseconds). */
export interface TokenSettings {
  readonly policies: readonly string[];
  readonly ttlMs: number;
  readonly maxTtlMs: number;
  readonly explicitMaxTtlMs: number;
  readonly periodMs: number;
  readonly numUses: number;
  readonly boundCidrs: readonly string[];
  readonly noDefaultPolicy: boolean;
  readonly type: string;
}

export const DEFAULT_TOKEN_SETTINGS: TokenSettings = {
  policies: [],
  ttlMs: 0,
  maxTtlMs: 0,
  explicitMaxTtlMs: 0,
  periodMs: 0,
  numUses: 0,
  boundCidrs: [],
  noDefaultPolicy: false,
  type: 'default',
};

/** The token fields of a parsed request, as `definePath` hands them over (all optional). */
export interface TokenFieldInput {
  readonly token_policies?: string[] | undefined;
  readonly policies?: string[] | undefined;
  readonly token_ttl?: number | undefined;
  readonly token_max_ttl?: number | undefined;
  readonly token_explicit_max_ttl?: number | undefined;
  readonly token_period?: number | undefined;
  readonly period?: number | undefined;
  readonly token_num_uses?: number | undefined;
  readonly token_bound_cidrs?: string[] | undefined;
  readonly token_no_default_policy?: boolean | undefined;
  readonly token_type?: string | undefined;
  readonly ttl?: number | undefined;
  readonly max_ttl?: number | undefined;
  readonly num_uses?: number | undefined;
  readonly bound_cidrs?: string[] | undefined;
}

/**
 * Applies the fields a write provided to `current` and validates the result. Fields the caller
 * did not send keep their stored value (Vault's update semantics).
 */
export function applyTokenFields(
  current: TokenSettings,
  fields: TokenFieldInput,
  provided: ReadonlySet<string>,
): TokenSettings {
  /** The modern field's value, else the legacy one's (they share a type), else undefined. */
  const pick = <K extends keyof TokenFieldInput>(
    modern: K,
    legacy: keyof TokenFieldInput | undefined,
  ): TokenFieldInput[K] => {
    const hasModern = provided.has(modern);
    const hasLegacy = legacy !== undefined && provided.has(legacy);
    if (hasModern && hasLegacy) {
      const a = JSON.stringify(fields[modern]);
      const b = JSON.stringify(fields[legacy]);
      if (a !== b) throw badRequest(`"${legacy}" and "${modern}" cannot both be set`);
    }
    if (hasModern) return fields[modern];
    if (hasLegacy) return fields[legacy] as TokenFieldInput[K];
    return undefined;
  };
  const policies = pick('token_policies', 'policies');
  const ttlMs = pick('token_ttl', 'ttl');
  const maxTtlMs = pick('token_max_ttl', 'max_ttl');
  const periodMs = pick('token_period', 'period');
  const numUses = pick('token_num_uses', 'num_uses');
  const boundCidrs = pick('token_bound_cidrs', 'bound_cidrs');
  const explicitMaxTtlMs = pick('token_explicit_max_ttl', undefined);
  const noDefaultPolicy = pick('token_no_default_policy', undefined);
  const type = pick('token_type', undefined);

  const next: TokenSettings = {
    policies: policies === undefined ? current.policies : normalisePolicies(policies),
    ttlMs: ttlMs ?? current.ttlMs,
    maxTtlMs: maxTtlMs ?? current.maxTtlMs,
    explicitMaxTtlMs: explicitMaxTtlMs ?? current.explicitMaxTtlMs,
    periodMs: periodMs ?? current.periodMs,
    numUses: numUses ?? current.numUses,
    boundCidrs:
      boundCidrs === undefined
        ? current.boundCidrs
        : parseCidrList('token_bound_cidrs', boundCidrs),
    noDefaultPolicy: noDefaultPolicy ?? current.noDefaultPolicy,
    type: type === undefined || type === '' ? current.type : type,
  };
  if (next.numUses < 0) throw badRequest('"token_num_uses" cannot be negative');
  if (next.maxTtlMs > 0 && next.ttlMs > next.maxTtlMs) {
    throw badRequest('"token_ttl" cannot be greater than "token_max_ttl"');
  }
  if (next.type === 'batch' || next.type === 'default-batch') {
    throw badRequest('batch tokens are not supported; use "service" or "default"');
  }
  return next;
}

function normalisePolicies(policies: readonly string[]): string[] {
  return [...new Set(policies.map((p) => p.trim().toLowerCase()).filter((p) => p !== ''))].sort();
}

/** The settings as a role read shows them (durations in seconds, legacy mirrors included). */
export function tokenSettingsData(settings: TokenSettings): Record<string, unknown> {
  const seconds = (ms: number) => Math.floor(ms / 1000);
  return {
    token_policies: [...settings.policies],
    policies: [...settings.policies],
    token_ttl: seconds(settings.ttlMs),
    token_max_ttl: seconds(settings.maxTtlMs),
    token_explicit_max_ttl: seconds(settings.explicitMaxTtlMs),
    token_period: seconds(settings.periodMs),
    period: seconds(settings.periodMs),
    token_num_uses: settings.numUses,
    token_bound_cidrs: [...settings.boundCidrs],
    token_no_default_policy: settings.noDefaultPolicy,
    token_type: settings.type,
  };
}

/**
 * The `AuthResult` for a login under these settings. The token store applies the mount's TTL
 * bounds; here `token_max_ttl` and `token_explicit_max_ttl` fold into the one explicit max the
 * contract carries. A periodic token escapes `token_max_ttl` (only an explicit max binds it).
 */
export function authResult(
  settings: TokenSettings,
  login: {
    readonly metadata: Readonly<Record<string, string>>;
    readonly displayName: string;
    readonly internal?: Readonly<Record<string, unknown>>;
    /** Overrides the role's token_bound_cidrs (an AppRole secret ID's own list). */
    readonly boundCidrs?: readonly string[];
  },
): AuthResult {
  const maxTtlMs =
    settings.periodMs > 0
      ? settings.explicitMaxTtlMs
      : minPositive(settings.maxTtlMs, settings.explicitMaxTtlMs);
  const boundCidrs =
    login.boundCidrs !== undefined && login.boundCidrs.length > 0
      ? login.boundCidrs
      : settings.boundCidrs;
  return {
    policies: [...settings.policies],
    metadata: { ...login.metadata },
    displayName: login.displayName,
    ttlMs: settings.ttlMs,
    maxTtlMs,
    periodMs: settings.periodMs,
    renewable: true,
    numUses: settings.numUses,
    noDefaultPolicy: settings.noDefaultPolicy,
    tokenType: 'service',
    ...(boundCidrs.length > 0 ? { boundCidrs: [...boundCidrs] } : {}),
    ...(login.internal === undefined ? {} : { internal: { ...login.internal } }),
  };
}

/**
 * A token's display name as Vault builds it: the mount path below `auth/` with `/` turned into
 * `-`, then the method's own name for the login (`approle`, `jwt-alice`,
 * `kubernetes-default-app`).
 */
export function loginDisplayName(mount: Pick<MountInfo, 'path'>, name: string): string {
  const source = mount.path.replace(/^auth\//, '').replaceAll('/', '-');
  return `${source}${name}`.replace(/-+$/, '');
}
