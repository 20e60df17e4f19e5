/**
 * `role/<name>` (create, read, update, delete), LIST `role`, and `role/<name>/role-id`.
 *
 * Role names are case-insensitive (stored lower-cased). A role keeps at least one constraint:
 * `bind_secret_id`, `secret_id_bound_cidrs` or `token_bound_cidrs`, as Vault requires. A role
 * ID is unique across the mount; a custom one can be set on create or through `role-id`.
 */
import { listResponse } from '../../framework/list.ts';
import { randomUUID } from 'node:crypto';
import { definePath } from '../../framework/path.ts';
import type { CompiledPath, PathContext } from '../../framework/path.ts';
import type { FieldTable } from '../../framework/fields.ts';
import { badRequest, invalidField } from '../../logical/errors.ts';
import type { Storage } from '../../logical/storage.ts';
import { parseCidrList } from '../cidr.ts';
import {
  DEFAULT_TOKEN_SETTINGS,
  TOKEN_FIELDS,
  applyTokenFields,
  tokenSettingsData,
} from '../token-fields.ts';
import type { AppRoleStore, RoleEntry } from './store.ts';

export interface AppRoleDeps {
  readonly store: AppRoleStore;
}

export const ROLE_NAME_FIELD = {
  type: 'lowercase-string',
  description: 'Name of the role (letters, digits, space, "-", "_" and ".").',
  required: true,
} as const;

const ROLE_NAME_PATTERN = /^[\w .-]{1,4095}$/;

const roleFields = {
  role_name: ROLE_NAME_FIELD,
  role_id: {
    type: 'string',
    description: 'A custom role ID (on create); a random UUID otherwise.',
  },
  bind_secret_id: {
    type: 'bool',
    description: 'Require a secret ID at login.',
  },
  secret_id_bound_cidrs: {
    type: 'comma-string-slice',
    description: 'CIDR blocks allowed to log in with this role.',
  },
  bound_cidr_list: {
    type: 'comma-string-slice',
    description: 'Deprecated: use "secret_id_bound_cidrs".',
  },
  secret_id_num_uses: {
    type: 'int',
    description: 'Default uses of each new secret ID (0 = unlimited).',
  },
  secret_id_ttl: {
    type: 'duration',
    description: 'Default lifetime of each new secret ID (0 = no expiry).',
  },
  local_secret_ids: {
    type: 'bool',
    description: 'Accepted for compatibility; secret IDs are always local to this server.',
  },
  ...TOKEN_FIELDS,
} as const satisfies FieldTable;

/** The role named `name`, or a 400 naming it (Vault answers unknown roles so). */
export async function requireRole(
  deps: AppRoleDeps,
  storage: Storage,
  name: string,
): Promise<RoleEntry> {
  const role = await deps.store.role(storage, name);
  if (role === undefined) throw badRequest(`role "${name}" does not exist`);
  return role;
}

export function checkRoleName(name: string): void {
  if (!ROLE_NAME_PATTERN.test(name)) {
    throw invalidField('role_name', 'use letters, digits, space, "-", "_" and "." only');
  }
}

export function rolePaths(deps: AppRoleDeps): CompiledPath[] {
  const { store } = deps;
  return [
    definePath({
      pattern: 'role/?',
      fields: {},
      operations: {
        list: async ({ storage }) => {
          const keys = await store.listRoles(storage);
          return listResponse(keys);
        },
      },
      help: 'Lists the AppRoles.',
    }),
    definePath({
      pattern: 'role/(?<role_name>[^/]+)',
      fields: roleFields,
      existenceCheck: async ({ storage, fields }) =>
        (await store.role(storage, fields.role_name)) !== undefined,
      operations: {
        read: async ({ storage, fields }) => {
          const role = await store.role(storage, fields.role_name);
          if (role === undefined) return undefined;
          return { data: roleData(role) };
        },
        create: (ctx) => writeRole(ctx, true),
        update: (ctx) => writeRole(ctx, false),
        delete: async ({ storage, fields }) => {
          await store.deleteRole(storage, fields.role_name);
          return undefined;
        },
      },
      help: 'Creates, reads, updates or deletes an AppRole.',
    }),
    definePath({
      pattern: 'role/(?<role_name>[^/]+)/role-id',
      fields: {
        role_name: ROLE_NAME_FIELD,
        role_id: { type: 'string', description: 'The new role ID.' },
      },
      operations: {
        read: async ({ storage, fields }) => {
          const role = await store.role(storage, fields.role_name);
          if (role === undefined) return undefined;
          return { data: { role_id: role.roleId } };
        },
        update: async ({ storage, fields }) => {
          const role = await requireRole(deps, storage, fields.role_name);
          const roleId = fields.role_id ?? '';
          if (roleId === '') throw invalidField('role_id', 'must not be empty');
          if (roleId === role.roleId) return undefined;
          if ((await store.roleIdOwner(storage, roleId)) !== undefined) {
            throw badRequest('role_id already in use');
          }
          await store.putRole(storage, { ...role, roleId }, role);
          return undefined;
        },
      },
      help: "Reads or sets an AppRole's role ID.",
    }),
  ];

  async function writeRole(
    ctx: PathContext<typeof roleFields>,
    creating: boolean,
  ): Promise<undefined> {
    const { storage, fields, provided } = ctx;
    const name = fields.role_name;
    checkRoleName(name);
    const previous = creating ? undefined : await store.role(storage, name);
    if (!creating && previous === undefined) throw badRequest(`role "${name}" does not exist`);

    const base: RoleEntry = previous ?? {
      name,
      roleId: '',
      bindSecretId: true,
      secretIdBoundCidrs: [],
      secretIdNumUses: 0,
      secretIdTtlMs: 0,
      localSecretIds: false,
      token: DEFAULT_TOKEN_SETTINGS,
    };
    const boundCidrs = provided.has('secret_id_bound_cidrs')
      ? fields.secret_id_bound_cidrs
      : provided.has('bound_cidr_list')
        ? fields.bound_cidr_list
        : undefined;
    const secretIdNumUses = fields.secret_id_num_uses ?? base.secretIdNumUses;
    if (secretIdNumUses < 0) throw invalidField('secret_id_num_uses', 'cannot be negative');

    let roleId = base.roleId;
    if (fields.role_id !== undefined && fields.role_id !== '' && fields.role_id !== roleId) {
      if (!creating) throw badRequest('role_id can only be changed through the role-id endpoint');
      roleId = fields.role_id;
    }
    if (roleId === '') roleId = randomUUID();
    if (roleId !== base.roleId) {
      const owner = await store.roleIdOwner(storage, roleId);
      if (owner !== undefined && owner !== name) throw badRequest('role_id already in use');
    }
    if (
      !creating &&
      provided.has('local_secret_ids') &&
      fields.local_secret_ids !== base.localSecretIds
    ) {
      throw badRequest('local_secret_ids can only be set when the role is created');
    }

    const role: RoleEntry = {
      name,
      roleId,
      bindSecretId: fields.bind_secret_id ?? base.bindSecretId,
      secretIdBoundCidrs:
        boundCidrs === undefined
          ? base.secretIdBoundCidrs
          : parseCidrList('secret_id_bound_cidrs', boundCidrs),
      secretIdNumUses,
      secretIdTtlMs: fields.secret_id_ttl ?? base.secretIdTtlMs,
      localSecretIds: fields.local_secret_ids ?? base.localSecretIds,
      token: applyTokenFields(base.token, fields, provided),
    };
    if (
      !role.bindSecretId &&
      role.secretIdBoundCidrs.length === 0 &&
      role.token.boundCidrs.length === 0
    ) {
      throw badRequest(
        'at least one constraint should be enabled on the role: bind_secret_id, ' +
          'secret_id_bound_cidrs or token_bound_cidrs',
      );
    }
    await store.putRole(storage, role, previous);
    return undefined;
  }
}

function roleData(role: RoleEntry): Record<string, unknown> {
  return {
    bind_secret_id: role.bindSecretId,
    secret_id_bound_cidrs: [...role.secretIdBoundCidrs],
    secret_id_num_uses: role.secretIdNumUses,
    secret_id_ttl: Math.floor(role.secretIdTtlMs / 1000),
    local_secret_ids: role.localSecretIds,
    ...tokenSettingsData(role.token),
  };
}
