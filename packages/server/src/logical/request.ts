/**
 * The logical request: what the HTTP layer hands to the core, independent of HTTP.
 */

/** Vault's logical operations. `create` vs `update` is decided by the existence check. */
export type Operation =
  'read' | 'create' | 'update' | 'patch' | 'delete' | 'list' | 'renew' | 'revoke' | 'help';

/** The authenticated caller, set by the authenticate stage. Never holds the raw token. */
export interface RequestAuth {
  /** The token's accessor: safe to log. */
  readonly accessor: string;
  /** The salted hash of the token (the token store's primary key); never the token itself. */
  readonly tokenHash: string;
  readonly policies: readonly string[];
  readonly displayName: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly entityId: string;
  /** True when the token carries the `root` policy. */
  readonly root: boolean;
  /** Uses the token had left when the request arrived (0 = unlimited). */
  readonly numUses: number;
}

/** A lease being renewed or revoked, as handed back to the engine that issued it. */
export interface RequestSecret {
  readonly leaseId: string;
  /** The secret type that issued it (`creds`, ...), from the response's `secretType`. */
  readonly type: string;
  /** Engine-private data stored with the lease (e.g. the database username). */
  readonly internal: Readonly<Record<string, unknown>>;
  readonly issueTime: number;
  readonly expireTime: number;
  readonly ttlMs: number;
  /** Requested increment for a renewal, in milliseconds (0 = the engine's default). */
  readonly incrementMs: number;
}

/**
 * What the core found out about a request, filled in as it is handled, for the transport's own
 * record (the request log line). Unlike the result, it is there when the request fails too: a
 * request refused by policy or failed by its engine is still logged with its caller.
 */
export interface RequestNotes {
  /** The authenticated caller's accessor (safe to log), once the token is resolved. */
  accessor?: string;
}

/**
 * What the core may remember about one client connection across its requests. The transport
 * keeps one per connection and drops it when the connection closes; internal requests have none.
 */
export interface ConnectionMemo {
  /**
   * The last token presented on this connection and its lookup key (the salted hash), so that a
   * keep-alive client's next requests with the same token skip the HMAC. `owner` is the token
   * store that computed the key: another store (after a seal and unseal) computes its own.
   */
  token?: { readonly owner: object; readonly raw: string; readonly key: string };
}

export interface LogicalRequest {
  readonly id: string;
  readonly operation: Operation;
  /**
   * The path below `/v1/`, without leading slash (`secret/data/app`). Inside an engine's
   * handler this is relative to the mount (`data/app`); `mountPoint` holds the rest.
   */
  readonly path: string;
  /** The request body merged with query parameters (for reads and lists). */
  readonly data: Readonly<Record<string, unknown>>;
  /** The raw client token. Only the authenticate stage reads it; nothing logs it. */
  readonly clientToken: string;
  readonly remoteAddress: string;
  /** `X-Vault-Wrap-TTL`, when wrapping was asked for. */
  readonly wrapTtlMs?: number;
  /** Content type of the body, for engines that accept several (`application/merge-patch+json`). */
  readonly contentType?: string;

  /** Set by authenticate. */
  readonly auth?: RequestAuth;
  /** Set by route. */
  readonly mountPoint?: string;
  readonly mountType?: string;
  readonly mountAccessor?: string;
  /** Set for renew and revoke of a lease. */
  readonly secret?: RequestSecret;
  /** Filled in by the core for the transport (see RequestNotes); absent for internal requests. */
  readonly notes?: RequestNotes;
  /** The connection's memo (see ConnectionMemo); absent for internal requests. */
  readonly connection?: ConnectionMemo;
}
