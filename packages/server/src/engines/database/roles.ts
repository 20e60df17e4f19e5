/**
 * What dynamic roles (`roles/`) and static roles (`static-roles/`) share: the `db_name` and
 * credential fields, and one namespace of names. Their other fields, validation and lifecycle
 * (leases vs. password rotation) differ, and stay in path-roles.ts and path-static-roles.ts.
 */
import { badRequest } from '../../logical/errors.ts';
import type { Storage } from '../../logical/storage.ts';
import type { DocumentStore } from './records.ts';

/** The connection a role of either kind uses. */
export const dbNameField = {
  type: 'string',
  description: 'The database connection this role uses.',
} as const;

/** Accepted on both kinds, as Vault does; password credentials are the only kind. */
export const credentialFields = {
  credential_type: {
    type: 'string',
    description: 'Only "password" is supported.',
    allowed: ['password'],
  },
  credential_config: { type: 'map', description: 'Accepted for compatibility.' },
} as const;

/**
 * A 400 when `name` is already a role of the other kind (`other`): Vault keeps dynamic and static
 * role names apart. Called under the role's lock, before it is written.
 */
export async function assertRoleNameFree(
  storage: Storage,
  name: string,
  other: DocumentStore<unknown>,
): Promise<void> {
  if ((await other.read(storage, name)) !== undefined) {
    throw badRequest('Role and Static Role names must be unique');
  }
}
