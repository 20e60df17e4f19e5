/**
 * Stage 1: authenticate. Resolves the client token to the caller.
 *
 * Unauthenticated paths (logins, seal status) run without a token; when one is sent anyway it
 * is resolved if valid, and ignored if not (as Vault does for login paths).
 */
import { LogicalError, permissionDenied } from '../../logical/errors.ts';
import type { LogicalRequest, RequestAuth } from '../../logical/request.ts';
import type { TokenAuthority } from './types.ts';

export async function authenticate(
  request: LogicalRequest,
  tokens: Pick<TokenAuthority, 'authenticate'>,
  options: { readonly unauthenticated: boolean },
): Promise<RequestAuth | undefined> {
  const raw = request.clientToken;
  if (raw === '') {
    if (options.unauthenticated) return undefined;
    throw new LogicalError('missing_token', 403, 'permission denied');
  }
  const auth = await tokens.authenticate(raw, request.remoteAddress, request.connection);
  if (auth === undefined) {
    if (options.unauthenticated) return undefined;
    // Vault answers an unknown or expired token with 403 and "permission denied" (plus
    // "invalid token" in newer versions); the distinction is not an oracle we want to offer.
    throw new LogicalError('invalid_token', 403, 'permission denied', {
      errors: ['permission denied', 'invalid token'],
    });
  }
  // For the transport's log line, which names the caller even if the request fails from here on.
  if (request.notes !== undefined) request.notes.accessor = auth.accessor;
  return auth;
}

export { permissionDenied };
