/**
 * What the pipeline needs from the rest of the core, as narrow interfaces, so each stage can be
 * tested with small fakes that implement the real contract.
 */
import type { Backend, MountInfo, TtlBounds } from '../../logical/backend.ts';
import type { ConnectionMemo, LogicalRequest, RequestAuth } from '../../logical/request.ts';
import type { AuthResult, LogicalResponse, SecretResult } from '../../logical/response.ts';

/** The token store, as seen by authenticate and register-lease. */
export interface TokenAuthority {
  /**
   * The caller for a raw token, or undefined when it is unknown, expired, revoked, or bound to
   * CIDRs that `remoteAddress` is outside of. `connection` (the request's connection memo) lets
   * a connection's next request with the same token skip the token's HMAC.
   */
  authenticate(
    rawToken: string,
    remoteAddress?: string,
    connection?: ConnectionMemo,
  ): Promise<RequestAuth | undefined>;
  /**
   * Counts one use of a use-limited token, before the request runs. 'last' means the token is
   * now refused and must be revoked (`revokeTree`) once the request is done.
   */
  consumeUse(auth: RequestAuth): Promise<'ok' | 'last'>;
  /** Revokes a token and its children and leases. */
  revokeTree(tokenHash: string): Promise<void>;
  /** Creates a token for a login's `auth` result. */
  issue(input: {
    auth: AuthResult;
    parent: RequestAuth | undefined;
    path: string;
    bounds: TtlBounds;
  }): Promise<IssuedAuth>;
}

/** A token as the envelope's `auth` block reports it. */
export interface IssuedAuth {
  readonly clientToken: string;
  readonly accessor: string;
  readonly policies: readonly string[];
  readonly tokenPolicies: readonly string[];
  readonly metadata: Readonly<Record<string, string>> | null;
  readonly ttlMs: number;
  readonly renewable: boolean;
  readonly entityId: string;
  readonly tokenType: 'service' | 'batch';
  readonly orphan: boolean;
  readonly numUses: number;
}

/** The expiration manager, as seen by register-lease. */
export interface LeaseRegistrar {
  registerSecret(input: {
    path: string;
    mountPoint: string;
    secret: SecretResult;
    tokenHash: string | undefined;
    bounds: TtlBounds;
  }): Promise<{ leaseId: string; ttlMs: number; renewable: boolean }>;
}

/** Access decisions for a request (compiled from the caller's policies). */
export interface AccessControl {
  /** Whether `auth` may perform `operation` on `path` with `data`, and whether it holds sudo. */
  check(
    auth: RequestAuth,
    operation: LogicalRequest['operation'],
    path: string,
    data: Readonly<Record<string, unknown>>,
  ): Promise<{ allowed: boolean; sudo: boolean }>;
}

/** Audit devices, as seen by the pipeline. Fail-closed: a throw refuses the request. */
export interface AuditSink {
  logRequest(entry: AuditEntry): Promise<void>;
  logResponse(entry: AuditEntry): Promise<void>;
  /**
   * False when nothing is enabled to record to (nothing is required then, and nothing can fail),
   * so the pipeline skips the audit stages. Absent means true.
   */
  readonly recording?: boolean;
}

export interface AuditEntry {
  readonly request: LogicalRequest;
  readonly auth: RequestAuth | undefined;
  readonly response?: LogicalResponse | undefined;
  readonly result?: PipelineResult;
  readonly error?: unknown;
  /** The request's trail, the same object for its request and its response record. */
  readonly trail?: AuditTrail;
}

/**
 * Scratch space the sink keeps for one request between its request record and its response
 * record (the blocks both share, worked out once). The core makes one per request; a plain
 * slot, where a WeakMap keyed by the request cost about a microsecond per request to fill.
 */
export interface AuditTrail {
  shared: unknown;
}

/** A resolved route: the mount and its backend. */
export interface Route {
  readonly mount: MountInfo;
  readonly backend: Backend;
  /** The request path relative to the mount. */
  readonly relativePath: string;
}

/** What the core returns to the HTTP layer. */
export interface PipelineResult {
  readonly response: LogicalResponse | undefined;
  readonly mountType: string;
  /** The mount the request was routed to (the metrics label). */
  readonly mountPath?: string;
  readonly lease?: { readonly id: string; readonly ttlMs: number; readonly renewable: boolean };
  readonly auth?: IssuedAuth;
}
