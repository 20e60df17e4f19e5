/**
 * Secret IDs of a role: generate (`role/<name>/secret-id`), push a chosen one
 * (`custom-secret-id`), LIST accessors, lookup and destroy by value or by accessor.
 *
 * Contracts:
 * - A secret ID appears in exactly one response, the one that issues it. It is stored only as
 *   an HMAC (see store.ts) and never enters a log line or an error message.
 * - A secret ID's `num_uses` and `ttl` may narrow the role's defaults, never widen them; its
 *   `cidr_list` and `token_bound_cidrs` must lie inside the role's lists.
 * - Lookup of an unknown secret ID answers nothing (204), as Vault does; destroy is idempotent.
 */
import { listResponse } from '../../framework/list.ts';
import { randomUUID } from 'node:crypto';
import { definePath } from '../../framework/path.ts';
import type { CompiledPath, PathContext } from '../../framework/path.ts';
import { isPlainObject } from '../../framework/fields.ts';
import type { FieldTable } from '../../framework/fields.ts';
import { badRequest, invalidField } from '../../logical/errors.ts';
import type { LogicalResponse } from '../../logical/response.ts';
import { isCidrSubset, parseCidrList } from '../cidr.ts';
import { ROLE_NAME_FIELD, requireRole } from './path-role.ts';
import type { AppRoleDeps } from './path-role.ts';
import type { SecretIdEntry } from './store.ts';

const issueFields = {
  role_name: ROLE_NAME_FIELD,
  metadata: {
    type: 'json',
    description:
      'Metadata for tokens issued with this secret ID: a JSON object of strings, or its JSON text.',
  },
  cidr_list: {
    type: 'comma-string-slice',
    description: "CIDR blocks this secret ID may log in from (inside the role's list).",
  },
  token_bound_cidrs: {
    type: 'comma-string-slice',
    description: "CIDR blocks for tokens issued with this secret ID (inside the role's list).",
  },
  num_uses: {
    type: 'int',
    description: "Uses of this secret ID (0 = unlimited; not above the role's limit).",
  },
  ttl: {
    type: 'duration',
    description: "Lifetime of this secret ID (0 = none; not longer than the role's).",
  },
} as const satisfies FieldTable;

const customFields = {
  ...issueFields,
  secret_id: {
    type: 'string',
    description: 'The secret ID to attach to the role.',
    required: true,
    sensitive: true,
  },
} as const satisfies FieldTable;

const byValueFields = {
  role_name: ROLE_NAME_FIELD,
  secret_id: {
    type: 'string',
    description: 'The secret ID.',
    required: true,
    sensitive: true,
  },
} as const satisfies FieldTable;

const byAccessorFields = {
  role_name: ROLE_NAME_FIELD,
  secret_id_accessor: {
    type: 'string',
    description: 'The accessor of the secret ID.',
    required: true,
  },
} as const satisfies FieldTable;

export function secretIdPaths(deps: AppRoleDeps): CompiledPath[] {
  const { store } = deps;

  const issue = async (
    ctx: PathContext<typeof issueFields>,
    secretId: string,
  ): Promise<LogicalResponse> => {
    const { storage, fields, clock } = ctx;
    const role = await requireRole(deps, storage, fields.role_name);
    if (!role.bindSecretId) {
      throw badRequest('bind_secret_id is not set on the role; it takes no secret IDs');
    }
    const cidrList = parseCidrList('cidr_list', fields.cidr_list ?? []);
    if (!isCidrSubset(cidrList, role.secretIdBoundCidrs)) {
      throw invalidField('cidr_list', "must lie inside the role's secret_id_bound_cidrs");
    }
    const tokenBoundCidrs = parseCidrList('token_bound_cidrs', fields.token_bound_cidrs ?? []);
    if (!isCidrSubset(tokenBoundCidrs, role.token.boundCidrs)) {
      throw invalidField('token_bound_cidrs', "must lie inside the role's token_bound_cidrs");
    }
    let numUses = role.secretIdNumUses;
    if (fields.num_uses !== undefined) {
      if (fields.num_uses < 0) throw invalidField('num_uses', 'cannot be negative');
      if (
        role.secretIdNumUses > 0 &&
        (fields.num_uses === 0 || fields.num_uses > role.secretIdNumUses)
      ) {
        throw invalidField('num_uses', "cannot be higher than the role's secret_id_num_uses");
      }
      numUses = fields.num_uses;
    }
    let ttlMs = role.secretIdTtlMs;
    if (fields.ttl !== undefined) {
      if (role.secretIdTtlMs > 0 && (fields.ttl === 0 || fields.ttl > role.secretIdTtlMs)) {
        throw invalidField('ttl', "cannot be longer than the role's secret_id_ttl");
      }
      ttlMs = fields.ttl;
    }
    const now = clock.now();
    const entry: SecretIdEntry = {
      accessor: randomUUID(),
      roleName: role.name,
      usesLeft: numUses,
      ttlMs,
      cidrList,
      tokenBoundCidrs,
      metadata: parseMetadata(fields.metadata),
      creationTime: now,
      expirationTime: ttlMs > 0 ? now + ttlMs : 0,
      lastUpdatedTime: now,
    };
    if (!(await store.putSecretId(storage, role.name, secretId, entry))) {
      throw badRequest('secret ID already exists for this role');
    }
    return {
      data: {
        secret_id: secretId,
        secret_id_accessor: entry.accessor,
        secret_id_ttl: Math.floor(ttlMs / 1000),
        secret_id_num_uses: numUses,
      },
    };
  };

  return [
    definePath({
      pattern: 'role/(?<role_name>[^/]+)/secret-id/?',
      fields: issueFields,
      operations: {
        update: (ctx) => issue(ctx, randomUUID()),
        list: async ({ storage, fields }) => {
          await requireRole(deps, storage, fields.role_name);
          const keys = await store.listAccessors(storage, fields.role_name);
          return listResponse(keys);
        },
      },
      help: 'Generates a secret ID for the role, or lists the accessors of its secret IDs.',
    }),
    definePath({
      pattern: 'role/(?<role_name>[^/]+)/custom-secret-id',
      fields: customFields,
      operations: {
        update: async (ctx) => {
          if (ctx.fields.secret_id === '') throw invalidField('secret_id', 'must not be empty');
          return issue(ctx, ctx.fields.secret_id);
        },
      },
      help: 'Attaches a secret ID chosen by the caller to the role (the "push" model).',
    }),
    definePath({
      pattern: 'role/(?<role_name>[^/]+)/secret-id/lookup',
      fields: byValueFields,
      operations: {
        update: async ({ storage, fields }) => {
          await requireRole(deps, storage, fields.role_name);
          const entry = await store.secretIdByValue(storage, fields.role_name, fields.secret_id);
          return entry === undefined ? undefined : { data: secretIdData(entry) };
        },
      },
      help: 'Reads the properties of a secret ID.',
    }),
    definePath({
      pattern: 'role/(?<role_name>[^/]+)/secret-id/destroy',
      fields: byValueFields,
      operations: {
        update: async ({ storage, fields }) => {
          await requireRole(deps, storage, fields.role_name);
          await store.destroyByValue(storage, fields.role_name, fields.secret_id);
          return undefined;
        },
        delete: async ({ storage, fields }) => {
          await requireRole(deps, storage, fields.role_name);
          await store.destroyByValue(storage, fields.role_name, fields.secret_id);
          return undefined;
        },
      },
      help: 'Destroys a secret ID.',
    }),
    definePath({
      pattern: 'role/(?<role_name>[^/]+)/secret-id-accessor/lookup',
      fields: byAccessorFields,
      operations: {
        update: async ({ storage, fields }) => {
          await requireRole(deps, storage, fields.role_name);
          const found = await store.secretIdByAccessor(
            storage,
            fields.role_name,
            fields.secret_id_accessor,
          );
          if (found === undefined) {
            throw badRequest('failed to find accessor entry for secret_id_accessor');
          }
          return { data: secretIdData(found.entry) };
        },
      },
      help: 'Reads the properties of a secret ID by its accessor.',
    }),
    definePath({
      pattern: 'role/(?<role_name>[^/]+)/secret-id-accessor/destroy',
      fields: byAccessorFields,
      operations: {
        update: async ({ storage, fields }) => {
          await requireRole(deps, storage, fields.role_name);
          await store.destroyByAccessor(storage, fields.role_name, fields.secret_id_accessor);
          return undefined;
        },
        delete: async ({ storage, fields }) => {
          await requireRole(deps, storage, fields.role_name);
          await store.destroyByAccessor(storage, fields.role_name, fields.secret_id_accessor);
          return undefined;
        },
      },
      help: 'Destroys a secret ID by its accessor.',
    }),
  ];
}

/** `metadata` as a JSON object of strings, or its JSON text; empty when absent. */
export function parseMetadata(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === '') return {};
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      throw invalidField('metadata', 'expected a JSON object of strings');
    }
  }
  if (!isPlainObject(value)) throw invalidField('metadata', 'expected a JSON object of strings');
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') {
      throw invalidField('metadata', `the value of "${key}" must be a string`);
    }
    out[key] = item;
  }
  return out;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function secretIdData(entry: SecretIdEntry): Record<string, unknown> {
  return {
    cidr_list: [...entry.cidrList],
    token_bound_cidrs: [...entry.tokenBoundCidrs],
    creation_time: new Date(entry.creationTime).toISOString(),
    expiration_time:
      entry.expirationTime === 0 ? ZERO_TIME : new Date(entry.expirationTime).toISOString(),
    last_updated_time: new Date(entry.lastUpdatedTime).toISOString(),
    metadata: { ...entry.metadata },
    secret_id_accessor: entry.accessor,
    secret_id_num_uses: entry.usesLeft,
    secret_id_ttl: Math.floor(entry.ttlMs / 1000),
  };
}
