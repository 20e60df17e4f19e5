/**
 * Reading Vault's response envelope. Pure functions.
 *
 * Servers differ in which envelope fields they send (older Vaults omit `mount_type`, some
 * proxies drop nulls), so `toEnvelope` fills every missing field with its empty value and callers
 * can rely on the full `VaultResponse` shape. Anything that is not a JSON object is refused.
 */
import type { VaultResponse } from '@strongroom/protocol';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A complete envelope from a parsed body, or `undefined` when the body is not an object. */
export function toEnvelope(body: unknown): VaultResponse | undefined {
  if (!isRecord(body)) return undefined;
  return {
    request_id: typeof body.request_id === 'string' ? body.request_id : '',
    lease_id: typeof body.lease_id === 'string' ? body.lease_id : '',
    renewable: body.renewable === true,
    lease_duration: typeof body.lease_duration === 'number' ? body.lease_duration : 0,
    data: isRecord(body.data) ? body.data : null,
    wrap_info: isRecord(body.wrap_info)
      ? (body.wrap_info as unknown as VaultResponse['wrap_info'])
      : null,
    warnings: Array.isArray(body.warnings)
      ? body.warnings.filter((w): w is string => typeof w === 'string')
      : null,
    auth: isRecord(body.auth) ? (body.auth as unknown as VaultResponse['auth']) : null,
    mount_type: typeof body.mount_type === 'string' ? body.mount_type : '',
  };
}

/** The `errors` strings of an error body; `[]` when the body has none or is not JSON. */
export function errorStrings(body: unknown): string[] {
  if (!isRecord(body) || !Array.isArray(body.errors)) return [];
  return body.errors.filter((e): e is string => typeof e === 'string');
}

/** The `keys` of a list response (`{"data":{"keys":[...]}}`), strings only. */
export function listKeys(envelope: VaultResponse | undefined): string[] {
  const keys = envelope?.data?.keys;
  return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
}

/** A string field of a record, or `undefined`. */
export function stringField(
  record: Readonly<Record<string, unknown>> | null | undefined,
  key: string,
): string | undefined {
  const value = record?.[key];
  return typeof value === 'string' ? value : undefined;
}
