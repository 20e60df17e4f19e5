/**
 * The logical response: what an engine returns. The pipeline turns `secret` into a lease and
 * `auth` into a token; the HTTP layer turns the rest into Vault's envelope.
 */

/** A dynamic secret: the pipeline registers a lease for it. */
export interface SecretResult {
  /** The secret type, so renew and revoke come back to the right handler. */
  readonly type: string;
  /** Engine-private data kept with the lease, never returned to the client. */
  readonly internal: Readonly<Record<string, unknown>>;
  /** Requested TTL; 0 = the mount's default. Capped by `maxTtlMs` and the mount's max. */
  readonly ttlMs: number;
  /** 0 = the mount's max. */
  readonly maxTtlMs: number;
  readonly renewable: boolean;
}

/** An authentication result: the pipeline creates a token for it (unless already created). */
export interface AuthResult {
  readonly policies: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly displayName: string;
  /** 0 = the mount's default. */
  readonly ttlMs: number;
  /** Explicit max TTL; 0 = the mount's max. */
  readonly maxTtlMs: number;
  /** A periodic token renews to this period forever (within explicit max). 0 = not periodic. */
  readonly periodMs: number;
  readonly renewable: boolean;
  readonly numUses: number;
  readonly noDefaultPolicy?: boolean;
  readonly boundCidrs?: readonly string[];
  /** Engine-private data kept with the token for renewal (e.g. the role name). */
  readonly internal?: Readonly<Record<string, unknown>>;
  /** Set when the engine created the token itself (the token store does). */
  readonly clientToken?: string;
  readonly accessor?: string;
  readonly orphan?: boolean;
  readonly entityId?: string;
  readonly tokenType?: 'service' | 'batch';
}

/** A response written as-is (sys/health, sys/metrics), bypassing the envelope. */
export interface RawResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/**
 * A change an engine made, announced to subscribers of `sys/events/subscribe/<type>` after the
 * response is audited. Carries where and which version, never a value.
 */
export interface ChangeEvent {
  /** Vault's event type, e.g. `kv-v2/data-write`, `kv-v1/delete`. */
  readonly type: string;
  /** The affected path relative to the mount (`app/db`), without engine sub-paths like `data/`. */
  readonly path: string;
  /** The full API path the event concerns (`secret/data/app/db`): subscribers need `read` on it. */
  readonly dataPath: string;
  readonly version?: number;
  /** Extra non-secret fields (`modified`, `operation`, ...). */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface LogicalResponse {
  readonly data?: Readonly<Record<string, unknown>>;
  readonly secret?: SecretResult;
  readonly auth?: AuthResult;
  readonly warnings?: readonly string[];
  readonly raw?: RawResponse;
  /** Status override for an enveloped response (default 200, or 204 when there is nothing to say). */
  readonly status?: number;
  /**
   * Extra top-level envelope fields (sys/mounts returns each mount both at the top level and
   * under `data`, for old and new clients).
   */
  readonly topLevel?: Readonly<Record<string, unknown>>;
  /** Changes to announce (the pipeline publishes them; engines never publish themselves). */
  readonly events?: readonly ChangeEvent[];
}
