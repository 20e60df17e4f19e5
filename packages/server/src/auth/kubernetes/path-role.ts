/**
 * `role/<name>` (create, read, update, delete) and LIST `role` for Kubernetes.
 *
 * A role names the service accounts (names and namespaces, globs allowed) that may log in
 * with it, an optional audience the token must carry, and the token_* settings of issued
 * tokens. Names and namespaces cannot both be `*`: a role must bind something.
 */
import { readStoredRole, rolePaths as sharedRolePaths } from '../role-paths.ts';
import type { CompiledPath, PathContext } from '../../framework/path.ts';
import type { FieldTable } from '../../framework/fields.ts';
import { badRequest } from '../../logical/errors.ts';
import type { Storage } from '../../logical/storage.ts';
import {
  DEFAULT_TOKEN_SETTINGS,
  LEGACY_TOKEN_FIELDS,
  TOKEN_FIELDS,
  applyTokenFields,
  tokenSettingsData,
} from '../token-fields.ts';
import type { TokenSettings } from '../token-fields.ts';

export interface KubernetesRole {
  readonly name: string;
  readonly boundServiceAccountNames: readonly string[];
  readonly boundServiceAccountNamespaces: readonly string[];
  readonly audience: string;
  readonly aliasNameSource: 'serviceaccount_uid' | 'serviceaccount_name';
  readonly token: TokenSettings;
}

const roleFields = {
  name: { type: 'string', description: 'Name of the role.', required: true },
  bound_service_account_names: {
    type: 'comma-string-slice',
    description: 'Service account names allowed to log in ("*" for any; globs allowed).',
  },
  bound_service_account_namespaces: {
    type: 'comma-string-slice',
    description: 'Namespaces allowed to log in ("*" for any; globs allowed).',
  },
  audience: {
    type: 'string',
    description: 'An audience the token must carry (also asked of the TokenReview).',
  },
  alias_name_source: {
    type: 'string',
    description: 'How the login is named: "serviceaccount_uid" (default) or "serviceaccount_name".',
    allowed: ['serviceaccount_uid', 'serviceaccount_name'],
  },
  ...TOKEN_FIELDS,
  ...LEGACY_TOKEN_FIELDS,
} as const satisfies FieldTable;

export function readRole(storage: Storage, name: string): Promise<KubernetesRole | undefined> {
  return readStoredRole<KubernetesRole>(storage, name);
}

export function rolePaths(): CompiledPath[] {
  return sharedRolePaths({
    fields: roleFields,
    noun: 'Kubernetes role',
    view: roleData,
    build: buildRole,
  });
}

function roleData(role: KubernetesRole): Record<string, unknown> {
  return {
    bound_service_account_names: [...role.boundServiceAccountNames],
    bound_service_account_namespaces: [...role.boundServiceAccountNamespaces],
    audience: role.audience,
    alias_name_source: role.aliasNameSource,
    ...tokenSettingsData(role.token),
  };
}

function buildRole(
  { fields, provided }: PathContext<typeof roleFields>,
  name: string,
  previous: KubernetesRole | undefined,
): KubernetesRole {
  const role: KubernetesRole = {
    name,
    boundServiceAccountNames:
      fields.bound_service_account_names ?? previous?.boundServiceAccountNames ?? [],
    boundServiceAccountNamespaces:
      fields.bound_service_account_namespaces ?? previous?.boundServiceAccountNamespaces ?? [],
    audience: fields.audience ?? previous?.audience ?? '',
    aliasNameSource: (fields.alias_name_source ??
      previous?.aliasNameSource ??
      'serviceaccount_uid') as KubernetesRole['aliasNameSource'],
    token: applyTokenFields(previous?.token ?? DEFAULT_TOKEN_SETTINGS, fields, provided),
  };
  if (role.boundServiceAccountNames.length === 0) {
    throw badRequest('"bound_service_account_names" can not be empty');
  }
  if (role.boundServiceAccountNamespaces.length === 0) {
    throw badRequest('"bound_service_account_namespaces" can not be empty');
  }
  if (
    role.boundServiceAccountNames.includes('*') &&
    role.boundServiceAccountNamespaces.includes('*')
  ) {
    throw badRequest(
      'service account names and namespaces can not both be set to "*": bind at least one',
    );
  }
  return role;
}
