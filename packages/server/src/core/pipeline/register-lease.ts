/**
 * Stage 4: register lease. A dynamic secret becomes a persisted lease with its TTL capped by the
 * mount; a login result becomes a token. Engine-internal data is stripped from what the client
 * sees. Engines never talk to the expiration manager or the token store themselves.
 */
import type { TtlBounds } from '../../logical/backend.ts';
import type { LogicalRequest, RequestAuth } from '../../logical/request.ts';
import type { LogicalResponse } from '../../logical/response.ts';
import type { IssuedAuth, LeaseRegistrar, TokenAuthority } from './types.ts';

export interface Registered {
  readonly response: LogicalResponse | undefined;
  readonly lease?: { readonly id: string; readonly ttlMs: number; readonly renewable: boolean };
  readonly auth?: IssuedAuth;
}

export async function registerLease(
  request: LogicalRequest,
  response: LogicalResponse | undefined,
  deps: {
    readonly leases: LeaseRegistrar;
    readonly tokens: Pick<TokenAuthority, 'issue'>;
    readonly caller: RequestAuth | undefined;
    readonly mountPoint: string;
    readonly bounds: TtlBounds;
  },
): Promise<Registered> {
  if (response === undefined) return { response };
  if (response.secret !== undefined && request.operation !== 'renew') {
    const lease = await deps.leases.registerSecret({
      path: request.path,
      mountPoint: deps.mountPoint,
      secret: response.secret,
      tokenHash: deps.caller?.tokenHash,
      bounds: deps.bounds,
    });
    const { secret: _internal, ...visible } = response;
    return {
      response: visible,
      lease: { id: lease.leaseId, ttlMs: lease.ttlMs, renewable: lease.renewable },
    };
  }
  if (response.auth !== undefined) {
    const { auth, ...visible } = response;
    if (auth.clientToken !== undefined && auth.accessor !== undefined) {
      // The token store issued the token itself (auth/token/create, renew-self).
      return { response: visible, auth: issuedFromResult(auth) };
    }
    const issued = await deps.tokens.issue({
      auth,
      parent: undefined,
      path: request.path,
      bounds: deps.bounds,
    });
    return { response: visible, auth: issued };
  }
  return { response };
}

function issuedFromResult(auth: NonNullable<LogicalResponse['auth']>): IssuedAuth {
  return {
    clientToken: auth.clientToken ?? '',
    accessor: auth.accessor ?? '',
    policies: auth.policies,
    tokenPolicies: auth.policies,
    metadata: Object.keys(auth.metadata).length === 0 ? null : auth.metadata,
    ttlMs: auth.ttlMs,
    renewable: auth.renewable,
    entityId: auth.entityId ?? '',
    tokenType: auth.tokenType ?? 'service',
    orphan: auth.orphan ?? false,
    numUses: auth.numUses,
  };
}
