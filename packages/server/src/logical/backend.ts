/**
 * The backend contract: what every secrets engine and auth method is to the router.
 * Engines are declared with `framework/defineBackend`; nothing here is engine-specific.
 */
import type { Clock } from '@strongroom/protocol';
import type { Logger } from 'pino';
import type { LogicalRequest } from './request.ts';
import type { LogicalResponse } from './response.ts';
import type { Storage } from './storage.ts';

export type MountKind = 'secret' | 'auth';

/** Settings shared by secret and auth mounts (as `sys/mounts` shows them). */
export interface MountConfig {
  /** 0 = the system default. */
  readonly defaultLeaseTtlMs: number;
  /** 0 = the system max. */
  readonly maxLeaseTtlMs: number;
}

export interface MountInfo {
  readonly kind: MountKind;
  /** With trailing slash; auth mounts include the `auth/` prefix (`auth/approle/`). */
  readonly path: string;
  readonly type: string;
  readonly accessor: string;
  readonly uuid: string;
  readonly description: string;
  readonly config: MountConfig;
  readonly options: Readonly<Record<string, string>>;
  readonly local: boolean;
  readonly sealWrap: boolean;
}

/** The system's effective TTL bounds for a mount: its own, else the server's defaults. */
export interface TtlBounds {
  readonly defaultTtlMs: number;
  readonly maxTtlMs: number;
}

/** What a handler receives besides its input: narrow, explicit dependencies. */
export interface RequestContext {
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The mount's own storage view; the engine cannot reach outside it. */
  readonly storage: Storage;
  readonly mount: MountInfo;
  /** The request with `path` relative to the mount. */
  readonly request: LogicalRequest;
  /** The mount's effective TTL bounds. */
  readonly ttl: TtlBounds;
}

export interface ExistenceResult {
  /** False when the path has no existence check (the operation stays `update`). */
  readonly checked: boolean;
  readonly exists: boolean;
}

/** Paths a backend declares special, as patterns relative to the mount (`login`, `config/*`). */
export interface SpecialPaths {
  /** Reachable without a token (auth logins). */
  readonly unauthenticated?: readonly string[];
  /** Require `sudo` in addition to the operation's capability. */
  readonly root?: readonly string[];
}

export interface Backend {
  readonly type: string;
  readonly specialPaths: SpecialPaths;
  /**
   * Handles a request whose path is relative to the mount. Returns undefined for "nothing to
   * say" (the HTTP layer answers 204). Throws `LogicalError` for expected failures.
   * Operations `renew` and `revoke` carry `request.secret` and go to the secret type's handlers.
   */
  handleRequest(ctx: RequestContext): Promise<LogicalResponse | undefined>;
  /** Decides create vs update for writes (Vault's existence check). */
  existenceCheck(ctx: RequestContext): Promise<ExistenceResult>;
  /** Called once the mount is ready (after unseal or when enabled). */
  initialize?(ctx: BackendSetupContext): Promise<void>;
  /** Called when the mount is disabled or the server seals: stop timers, close pools. */
  cleanup?(): Promise<void>;
}

export interface BackendSetupContext {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly storage: Storage;
  readonly mount: MountInfo;
  /** A password from the named policy (`sys/policies/password/<name>`); 404 when it does not exist. */
  readonly generatePassword?: (policyName: string) => Promise<string>;
}

/** Builds a backend for a mount. Registered per type (`kv`, `database`, `approle`, ...). */
export type BackendFactory = (setup: BackendSetupContext) => Promise<Backend> | Backend;
