/**
 * Vault's HTTP wire shapes. Every successful response with a body carries the full envelope;
 * every status of 400 and above carries `{"errors": [...]}`.
 */

/** The `auth` block of a login or token-creation response. */
export interface VaultAuth {
  client_token: string;
  accessor: string;
  policies: string[];
  token_policies: string[];
  identity_policies?: string[];
  metadata: Record<string, string> | null;
  lease_duration: number;
  renewable: boolean;
  entity_id: string;
  token_type: 'service' | 'batch';
  orphan: boolean;
  mfa_requirement?: null;
  num_uses?: number;
}

export interface VaultWrapInfo {
  token: string;
  accessor: string;
  ttl: number;
  creation_time: string;
  creation_path: string;
  wrapped_accessor?: string;
}

/** The envelope of every successful response that has a body. */
export interface VaultResponse<TData = Record<string, unknown>> {
  request_id: string;
  lease_id: string;
  renewable: boolean;
  lease_duration: number;
  data: TData | null;
  wrap_info: VaultWrapInfo | null;
  warnings: string[] | null;
  auth: VaultAuth | null;
  mount_type: string;
}

/** The body of every response with a status of 400 or above. */
export interface VaultErrorBody {
  errors: string[];
}

/** A list response: `{"data": {"keys": [...]}}`. */
export interface VaultListData {
  keys: string[];
}

export function isVaultErrorBody(value: unknown): value is VaultErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { errors?: unknown }).errors) &&
    (value as { errors: unknown[] }).errors.every((e) => typeof e === 'string')
  );
}
