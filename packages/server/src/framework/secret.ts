/**
 * Secret types: how an engine's dynamic secrets are issued, renewed and revoked.
 *
 * An engine returns `secretType.response(data, {internal, ttlMs, maxTtlMs})`; the pipeline
 * registers the lease. Renewal and revocation come back to the same secret type through the
 * router, with the lease's `internal` data. Revocation must succeed when the target is already
 * gone: the expiration manager retries failures and must be able to converge.
 */
import type { RequestContext } from '../logical/backend.ts';
import type { RequestSecret } from '../logical/request.ts';
import type { LogicalResponse } from '../logical/response.ts';

export interface SecretContext extends RequestContext {
  readonly secret: RequestSecret;
}

export interface SecretTypeDefinition {
  readonly type: string;
  /**
   * Extends the secret at its source (e.g. moves a database user's expiry) and returns the TTL
   * granted; the expiration manager caps it by the lease's max TTL. Omit for non-renewable.
   */
  readonly renew?: (ctx: SecretContext) => Promise<{ ttlMs: number }>;
  /** Destroys the secret at its source. Idempotent: success when it is already gone. */
  readonly revoke: (ctx: SecretContext) => Promise<void>;
}

export interface SecretType extends SecretTypeDefinition {
  /** Wraps issued data as a leased response. */
  response(
    data: Readonly<Record<string, unknown>>,
    options: {
      internal: Readonly<Record<string, unknown>>;
      ttlMs: number;
      maxTtlMs: number;
      renewable?: boolean;
    },
  ): LogicalResponse;
}

export function defineSecret(definition: SecretTypeDefinition): SecretType {
  return {
    ...definition,
    response(data, options) {
      return {
        data,
        secret: {
          type: definition.type,
          internal: options.internal,
          ttlMs: options.ttlMs,
          maxTtlMs: options.maxTtlMs,
          renewable: (options.renewable ?? true) && definition.renew !== undefined,
        },
      };
    },
  };
}
