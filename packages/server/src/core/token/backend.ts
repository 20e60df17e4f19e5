/**
 * The `auth/token/` backend: Vault's token endpoints, declared as data.
 *
 * Create and renew answer with an `auth` block whose `clientToken` and `accessor` are already
 * set, so the pipeline reports them instead of creating another token. Lookups answer `data`;
 * revokes answer nothing (204) and succeed for tokens that are already gone, as Vault does.
 * Access control is the pipeline's; this backend only honours the flags that Vault reserves for
 * root or sudo callers (`no_parent`, `period`, `id`), through `deps.hasSudo`.
 */
import { defineBackend } from '../../framework/backend.ts';
import { definePath } from '../../framework/path.ts';
import type { PathContext } from '../../framework/path.ts';
import type { FieldTable } from '../../framework/fields.ts';
import type { Backend, RequestContext } from '../../logical/backend.ts';
import { LogicalError, badRequest, permissionDenied } from '../../logical/errors.ts';
import type { AuthResult, LogicalResponse } from '../../logical/response.ts';
import type { ExpirationManager } from '../expiration/index.ts';
import { tokenDisplayName } from './token-entry.ts';
import type { TokenEntry } from './token-entry.ts';
import type { CallerRecord, TokenStore } from './token-store.ts';

export interface TokenBackendDeps {
  readonly store: TokenStore;
  /** Reserved for role-based and lease-related endpoints; not used by the paths below. */
  readonly expiration?: ExpirationManager;
  /**
   * Whether the caller holds `sudo` on the request's path (the ACL's answer). Defaults to
   * "the caller is root". Sudo lifts the policy-subset rule and unlocks `no_parent`, `period`
   * and `id`.
   */
  readonly hasSudo?: (ctx: RequestContext) => Promise<boolean> | boolean;
}

const tokenField = {
  type: 'string',
  description: 'The token.',
  sensitive: true,
} as const;

const requiredToken = { ...tokenField, required: true } as const;

const accessorField = {
  type: 'string',
  description: 'The accessor of the token.',
  required: true,
} as const;

const incrementField = {
  type: 'duration',
  description:
    'The requested extension, in seconds or as a duration string. Periodic tokens ignore it; ' +
    '0 renews by the TTL the token was created with.',
  default: 0,
} as const;

const createFields = {
  id: {
    type: 'string',
    description: 'The token value to use instead of a random one. Root or sudo callers only.',
    sensitive: true,
  },
  policies: {
    type: 'comma-string-slice',
    description:
      "The token's policies; a subset of the caller's unless the caller is root or holds sudo. " +
      "Defaults to the caller's policies.",
  },
  meta: { type: 'kv-pairs', description: 'Metadata passed through to audit devices.' },
  no_parent: {
    type: 'bool',
    description: 'Create an orphan token (root or sudo callers only).',
    default: false,
  },
  no_default_policy: {
    type: 'bool',
    description: 'Do not add the default policy.',
    default: false,
  },
  renewable: {
    type: 'bool',
    description: 'Whether the token may be renewed past its initial TTL.',
    default: true,
  },
  ttl: { type: 'duration', description: 'The TTL; defaults to the mount default.' },
  lease: { type: 'duration', description: 'Deprecated alias of ttl.' },
  explicit_max_ttl: {
    type: 'duration',
    description: 'A hard limit on the token lifetime, whatever renewals ask for.',
  },
  display_name: { type: 'string', description: 'The display name (prefixed with "token-").' },
  num_uses: {
    type: 'int',
    description: 'How many requests the token may make (0 = unlimited).',
    default: 0,
  },
  period: {
    type: 'duration',
    description:
      'Makes the token periodic: every renewal resets its TTL to this (root or sudo only).',
  },
  type: {
    type: 'string',
    description: 'The token type; only "service" is supported.',
    allowed: ['service', 'batch', 'default', ''],
  },
  entity_alias: { type: 'string', description: 'Not supported without token roles.' },
} as const satisfies FieldTable;

export function createTokenBackend(deps: TokenBackendDeps): Backend {
  const { store } = deps;
  const hasSudo = async (ctx: RequestContext): Promise<boolean> =>
    deps.hasSudo === undefined ? ctx.request.auth?.root === true : await deps.hasSudo(ctx);

  const callerRecord = async (ctx: RequestContext): Promise<CallerRecord> => {
    const auth = ctx.request.auth;
    if (auth === undefined) throw permissionDenied();
    // The caller passed authentication for this very request, possibly spending its last use.
    const record = await store.caller(auth);
    if (record === undefined) throw badToken();
    return record;
  };
  const callerEntry = async (ctx: RequestContext): Promise<TokenEntry> =>
    (await callerRecord(ctx)).entry;

  const create = async (
    ctx: PathContext<typeof createFields>,
    forceOrphan: boolean,
  ): Promise<LogicalResponse> => {
    const auth = ctx.request.auth;
    if (auth === undefined) throw permissionDenied();
    const parent = await store.lookupByHash(auth.tokenHash);
    if (parent === undefined) throw badRequest('parent token lookup failed: no parent found');
    const { fields } = ctx;
    const privileged = parent.policies.includes('root') || (await hasSudo(ctx));
    if (fields.type === 'batch') throw badRequest('batch tokens are not supported');
    if (fields.entity_alias !== undefined && fields.entity_alias !== '') {
      throw badRequest('entity_alias requires a token role, which is not supported');
    }
    const id = fields.id === '' ? undefined : fields.id;
    if (id !== undefined) {
      if (!privileged) throw badRequest('root or sudo privileges required to specify token id');
      if (id.includes('.')) throw badRequest('token IDs can not contain a period');
    }
    if (fields.no_parent && !forceOrphan && !privileged) {
      throw badRequest('root or sudo privileges required to create orphan token');
    }
    const periodMs = fields.period ?? 0;
    if (periodMs > 0 && !privileged) {
      throw badRequest('root or sudo privileges required to create periodic token');
    }
    if (fields.num_uses < 0) throw badRequest('number of uses cannot be negative');
    const request: AuthResult = {
      policies: fields.policies ?? [],
      metadata: fields.meta ?? {},
      displayName: tokenDisplayName(fields.display_name ?? ''),
      ttlMs: fields.ttl ?? fields.lease ?? 0,
      maxTtlMs: fields.explicit_max_ttl ?? 0,
      periodMs,
      renewable: fields.renewable,
      numUses: fields.num_uses,
      noDefaultPolicy: fields.no_default_policy,
    };
    const created = await store.create({
      auth: request,
      parent,
      path: ctx.mount.path + ctx.request.path,
      mountPoint: ctx.mount.path,
      bounds: ctx.ttl,
      orphan: forceOrphan || fields.no_parent,
      sudo: privileged,
      ...(id === undefined ? {} : { id }),
    });
    return { auth: authResult(created.entry, created.clientToken, created.ttlMs) };
  };

  const renew = async (
    entry: TokenEntry,
    clientToken: string,
    incrementMs: number,
  ): Promise<LogicalResponse> => {
    const renewed = await store.renew(entry.hash, incrementMs);
    return { auth: authResult(renewed.entry, clientToken, renewed.ttlMs) };
  };

  const lookupSelf = async (ctx: RequestContext): Promise<LogicalResponse> => {
    const { entry, lease } = await callerRecord(ctx);
    return { data: await store.toLookupData(entry, { id: ctx.request.clientToken, lease }) };
  };

  const byAccessor = async (accessor: string): Promise<TokenEntry> => {
    const entry = await store.lookupByAccessor(accessor);
    if (entry === undefined) throw badRequest('invalid accessor');
    return entry;
  };

  return defineBackend({
    type: 'token',
    specialPaths: { root: ['revoke-orphan*', 'accessors*'] },
    help: 'The token store: creates, looks up, renews and revokes tokens.',
    paths: [
      definePath({
        pattern: 'create',
        fields: createFields,
        operations: { update: (ctx) => create(ctx, false) },
        help: "Creates a token that is a child of the caller's token.",
      }),
      definePath({
        pattern: 'create-orphan',
        fields: createFields,
        operations: { update: (ctx) => create(ctx, true) },
        help: 'Creates a token with no parent.',
      }),
      definePath({
        pattern: 'lookup',
        fields: { token: tokenField },
        operations: {
          read: lookupSelf,
          update: async (ctx) => {
            const raw = ctx.fields.token ?? '';
            if (raw === '') return lookupSelf(ctx);
            const entry = await store.lookup(raw);
            if (entry === undefined) throw badToken();
            return { data: await store.toLookupData(entry, { id: raw }) };
          },
        },
        help: 'Looks up a token (the caller\'s own when "token" is omitted).',
      }),
      definePath({
        pattern: 'lookup-self',
        fields: {},
        operations: { read: lookupSelf, update: lookupSelf },
        help: "Looks up the caller's token.",
      }),
      definePath({
        pattern: 'lookup-accessor',
        fields: { accessor: accessorField },
        operations: {
          update: async (ctx) => {
            const entry = await byAccessor(ctx.fields.accessor);
            // Never the token itself: an accessor holder must not learn it.
            return { data: await store.toLookupData(entry, { id: '' }) };
          },
        },
        help: 'Looks up a token by its accessor (without revealing the token).',
      }),
      definePath({
        pattern: 'renew',
        fields: { token: requiredToken, increment: incrementField },
        operations: {
          update: async (ctx) => {
            const raw = ctx.fields.token;
            const entry = await store.lookup(raw);
            if (entry === undefined) throw badRequest('token not found');
            return renew(entry, raw, ctx.fields.increment);
          },
        },
        help: 'Renews a token.',
      }),
      definePath({
        pattern: 'renew-self',
        fields: { increment: incrementField },
        operations: {
          update: async (ctx) =>
            renew(await callerEntry(ctx), ctx.request.clientToken, ctx.fields.increment),
        },
        help: "Renews the caller's token.",
      }),
      definePath({
        pattern: 'renew-accessor',
        fields: { accessor: accessorField, increment: incrementField },
        operations: {
          update: async (ctx) =>
            renew(await byAccessor(ctx.fields.accessor), '', ctx.fields.increment),
        },
        help: 'Renews a token by its accessor.',
      }),
      definePath({
        pattern: 'revoke',
        fields: { token: requiredToken },
        operations: {
          update: async (ctx) => {
            await store.revokeTree(await store.hash(ctx.fields.token));
            return undefined;
          },
        },
        help: 'Revokes a token, its children and their leases.',
      }),
      definePath({
        pattern: 'revoke-self',
        fields: {},
        operations: {
          update: async (ctx) => {
            const auth = ctx.request.auth;
            if (auth === undefined) throw permissionDenied();
            await store.revokeTree(auth.tokenHash);
            return undefined;
          },
        },
        help: "Revokes the caller's token, its children and their leases.",
      }),
      definePath({
        pattern: 'revoke-accessor',
        fields: { accessor: accessorField },
        operations: {
          update: async (ctx) => {
            const entry = await byAccessor(ctx.fields.accessor);
            await store.revokeTree(entry.hash);
            return undefined;
          },
        },
        help: 'Revokes a token by its accessor, with its children and their leases.',
      }),
      definePath({
        pattern: 'revoke-orphan',
        fields: { token: requiredToken },
        operations: {
          update: async (ctx) => {
            await store.revokeOrphan(await store.hash(ctx.fields.token));
            return undefined;
          },
        },
        help: 'Revokes a token and its leases; its children become orphans (sudo).',
      }),
      definePath({
        pattern: 'accessors/?',
        fields: {},
        operations: {
          list: async () => ({ data: { keys: await store.listAccessors() } }),
        },
        help: 'Lists the accessors of all tokens (sudo).',
      }),
    ],
  });
}

/** Vault answers an unknown token presented for lookup with 403 "bad token". */
function badToken(): LogicalError {
  return new LogicalError('invalid_token', 403, 'bad token');
}

/** The `auth` block for a token the store created or renewed. */
export function authResult(entry: TokenEntry, clientToken: string, ttlMs: number): AuthResult {
  return {
    clientToken,
    accessor: entry.accessor,
    policies: [...entry.policies],
    metadata: { ...entry.meta },
    displayName: entry.displayName,
    ttlMs,
    maxTtlMs: entry.explicitMaxTtlMs,
    periodMs: entry.periodMs,
    renewable: entry.renewable,
    numUses: Math.max(0, entry.numUses),
    orphan: entry.orphan,
    entityId: entry.entityId,
    tokenType: 'service',
  };
}
