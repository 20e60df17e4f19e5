/**
 * Vault's list answer: `{"data": {"keys": [...]}}`, and for an empty or missing list, 404 with
 * an empty `errors` array (clients treat that as "nothing here", not as a failure).
 */
import { notFound } from '../logical/errors.ts';
import type { LogicalResponse } from '../logical/response.ts';

export function listResponse(keys: readonly string[], message = 'not found'): LogicalResponse {
  if (keys.length === 0) throw notFound(message, { errors: [] });
  return { data: { keys: [...keys] } };
}
