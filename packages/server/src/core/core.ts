/**
 * The core: seal state, mount table, and the request pipeline.
 *
 *   authenticate -> authorize (existence check decides create vs update) -> audit request
 *   -> route (engine handler, storage view chrooted to the mount) -> register lease
 *   -> audit response
 *
 * Each stage lives in `pipeline/`; the core only wires them. No stage looks at an engine's
 * type. While sealed, only the seal endpoints under `sys/` answer; everything else is 503.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '@strongroom/protocol';
import type { Logger } from 'pino';
import type {
  Backend,
  BackendFactory,
  MountInfo,
  MountKind,
  RequestContext,
  TtlBounds,
} from '../logical/backend.ts';
import { LogicalError, sealedError } from '../logical/errors.ts';
import type { LogicalRequest } from '../logical/request.ts';
import { StorageView, deletePrefix } from '../logical/storage.ts';
import type { PhysicalStorage, Storage } from '../logical/storage.ts';
import { AuditBroker } from '../audit/index.ts';
import { EventBus } from './events/index.ts';
import type { Subscription } from './events/index.ts';
import { ExpirationManager } from './expiration/index.ts';
import type { LeaseEntry } from './expiration/index.ts';
import { ServerMetrics } from './metrics.ts';
import { PasswordPolicyStore } from './password-policy/index.ts';
import { RateLimitQuotas } from './quotas/index.ts';
import { MountTable, mountStoragePrefix, normaliseMountPath } from './mount-table.ts';
import type { NewMount } from './mount-table.ts';
import { auditRefusal, auditStage } from './pipeline/audit.ts';
import { authenticate } from './pipeline/authenticate.ts';
import { authorize, resolveOperation } from './pipeline/authorize.ts';
import { registerLease } from './pipeline/register-lease.ts';
import { matchesSpecial, route } from './pipeline/route.ts';
import type {
  AccessControl,
  AuditEntry,
  AuditTrail,
  AuditSink,
  PipelineResult,
  Route,
  TokenAuthority,
} from './pipeline/types.ts';
import { PolicyStore } from './policy/index.ts';
import type { ACL } from './policy/index.ts';
import { SYSTEM_SEALED_PATHS, createSystemBackend } from './system/index.ts';
import type { InitResult, SealStatus, SystemDeps } from './system/index.ts';
import { TokenStore, createTokenBackend, toRequestAuth } from './token/index.ts';
import { SealManager } from '../barrier/index.ts';
import { CachedStorage } from '../storage/index.ts';

export const STRONGROOM_VERSION = '0.1.0';

/** Vault's system defaults: 32 days. */
export const DEFAULT_SYSTEM_TTL_MS = 768 * 3_600_000;

export interface CoreOptions {
  readonly physical: PhysicalStorage;
  /** Shown in seal status (`file`, `inmem`, ...). */
  readonly storageType: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly defaultLeaseTtlMs?: number;
  readonly maxLeaseTtlMs?: number;
  /** Secrets engines and auth methods by mount type. */
  readonly backends?: Readonly<Record<string, BackendFactory>>;
  readonly audit?: AuditSink;
  readonly clusterName?: string;
}

/** What exists only while unsealed. */
interface Active {
  readonly barrier: Storage;
  readonly mounts: MountTable;
  readonly backends: Map<string, Backend>;
  readonly policies: PolicyStore;
  readonly tokens: TokenStore;
  readonly expiration: ExpirationManager;
  readonly authority: TokenAuthority;
  readonly acl: AccessControl;
  readonly events: EventBus;
  readonly quotas: RateLimitQuotas;
  readonly passwordPolicies: PasswordPolicyStore;
  /** Each mount's storage view, made on its first request (a mount's prefix never changes). */
  readonly views: WeakMap<MountInfo, StorageView>;
}

/**
 * The `sys/` mount the system backend answers under when there is no mount table to take it
 * from (while sealed): fixed accessor and uuid, no TTL overrides.
 */
export function systemMount(): MountInfo {
  return {
    kind: 'secret',
    path: 'sys/',
    type: 'system',
    accessor: 'system',
    uuid: 'system',
    description: '',
    config: { defaultLeaseTtlMs: 0, maxLeaseTtlMs: 0 },
    options: {},
    local: false,
    sealWrap: false,
  };
}

const SYSTEM_MOUNTS: readonly NewMount[] = [
  {
    kind: 'secret',
    path: 'sys/',
    type: 'system',
    description: 'system endpoints used for control, policy and debugging',
  },
  { kind: 'auth', path: 'auth/token/', type: 'token', description: 'token based credentials' },
];

export class Core {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly seal: SealManager;
  readonly #options: CoreOptions;
  readonly #system: Backend;
  readonly #audit: AuditSink;
  /** The audit devices (`sys/audit`); the pipeline's sink unless a test injects another. */
  readonly audit: AuditBroker;
  readonly #clusterId = randomUUID();
  readonly metrics: ServerMetrics;
  #active: Active | undefined;

  constructor(options: CoreOptions) {
    this.#options = options;
    this.clock = options.clock;
    this.logger = options.logger;
    this.seal = new SealManager({
      physical: options.physical,
      clock: options.clock,
      storageType: options.storageType,
      version: STRONGROOM_VERSION,
    });
    // The barrier opening and closing drive the core's state; listeners run inside the seal
    // manager's lock, so a transition is never observed half-done.
    // The broker lives as long as the core: its table is in the barrier, loaded on every unseal.
    this.audit = new AuditBroker({
      storage: new StorageView(this.seal.barrier, 'core/audit/'),
      clock: options.clock,
      logger: options.logger,
    });
    this.#audit = options.audit ?? this.audit;
    this.seal.onUnseal(() => this.#activate());
    this.seal.onSeal(() => this.#deactivate());
    this.metrics = new ServerMetrics({
      sealed: () => this.#active === undefined,
      leaseCount: () => this.#active?.expiration.count() ?? 0,
      pendingRevocations: () => this.#active?.expiration.pendingRevocations() ?? 0,
      tokenCount: async () => (await this.#active?.tokens.listAccessors())?.length ?? 0,
      subscriberCount: () => this.#active?.events.subscriberCount ?? 0,
    });
    this.#system = createSystemBackend(this.#systemDeps());
  }

  get sealed(): boolean {
    return this.#active === undefined;
  }

  systemTtl(): TtlBounds {
    return {
      defaultTtlMs: this.#options.defaultLeaseTtlMs ?? DEFAULT_SYSTEM_TTL_MS,
      maxTtlMs: this.#options.maxLeaseTtlMs ?? DEFAULT_SYSTEM_TTL_MS,
    };
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Initializes the seal. The seal manager opens the barrier once to let us write the system
   * mounts and the root token, then seals again: after init the server is sealed, as Vault's is.
   */
  async initialize(input: { secretShares: number; secretThreshold: number }): Promise<InitResult> {
    let rootToken = '';
    const init = await this.seal.initialize(input, {
      setup: async () => {
        rootToken = (await this.#requireActive().tokens.createRoot()).clientToken;
      },
    });
    this.logger.info(
      { shares: input.secretShares, threshold: input.secretThreshold },
      'initialized',
    );
    return { keys: init.keys, keysBase64: init.keysBase64, rootToken };
  }

  /** Enters one key share; the core activates once the barrier opens. */
  async unseal(input: { key?: string; reset: boolean }): Promise<SealStatus> {
    await this.seal.unseal(input.key, { reset: input.reset });
    return this.sealStatus();
  }

  async sealServer(): Promise<void> {
    await this.seal.seal();
    this.logger.info('sealed');
  }

  /**
   * Dev mode: initialize with one share, unseal, and return the key and a root token (with a
   * chosen ID when given).
   */
  async devSetup(
    options: { rootTokenId?: string } = {},
  ): Promise<{ unsealKey: string; rootToken: string }> {
    const init = await this.seal.devInitialize();
    const root = await this.#requireActive().tokens.createRoot(
      options.rootTokenId === undefined ? {} : { id: options.rootTokenId },
    );
    return { unsealKey: init.keysBase64[0] ?? '', rootToken: root.clientToken };
  }

  /** Stops timers and releases engines; storage is closed by its owner. */
  async shutdown(): Promise<void> {
    await this.#deactivate();
  }

  async sealStatus(): Promise<SealStatus> {
    const status = await this.seal.status();
    return {
      ...status,
      storage_type: this.#options.storageType,
      ...(this.#active === undefined
        ? {}
        : { cluster_name: this.#clusterName(), cluster_id: this.#clusterId }),
    };
  }

  // ------------------------------------------------------------ request path

  async handleRequest(request: LogicalRequest): Promise<PipelineResult> {
    const active = this.#active;
    if (active === undefined) return this.#handleSealed(request);
    // Quotas first: a flood of logins is refused before any token or secret is looked at.
    active.quotas.check(request.path, request.remoteAddress, request.data);

    const resolved = route(
      {
        match: (path) => active.mounts.match(path),
        backendFor: (mount) => active.backends.get(mount.path),
      },
      request.path,
    );
    const special = resolved.backend.specialPaths;
    const unauthenticated = matchesSpecial(special.unauthenticated, resolved.relativePath);
    const caller = await authenticate(request, active.authority, { unauthenticated });

    const routed: LogicalRequest = {
      ...request,
      ...(caller === undefined ? {} : { auth: caller }),
      mountPoint: resolved.mount.path,
      mountType: resolved.mount.type,
      mountAccessor: resolved.mount.accessor,
    };
    let ctx = this.#context(resolved, routed);
    // Only an update can turn out to be a create (the existence check); skip the await otherwise.
    const operation =
      request.operation === 'update' ? await resolveOperation(resolved, ctx) : request.operation;
    if (operation !== request.operation) {
      ctx = { ...ctx, request: { ...ctx.request, operation } };
    }
    const effective: LogicalRequest =
      operation === routed.operation ? routed : { ...routed, operation };

    // One per request: its request and response records share what they have in common.
    const trail: AuditTrail = { shared: undefined };
    if (!unauthenticated) {
      try {
        if (caller === undefined) throw new LogicalError('missing_token', 403, 'permission denied');
        await authorize(active.acl, caller, operation, request.path, request.data, {
          requiresSudo: matchesSpecial(special.root, resolved.relativePath),
        });
      } catch (error) {
        // Denied requests are audited too, as Vault records them: the request and the error.
        const entry = { request: effective, auth: caller, error, trail };
        await this.#audited('request', entry);
        await this.#audited('response', entry);
        throw error;
      }
    }

    // With no device enabled there is nothing to record: skip the stage's promises altogether.
    // (Asked again for the response: a device enabled by this very request records it.)
    if (this.#audit.recording !== false) {
      await this.#audited('request', { request: effective, auth: caller, trail });
    }
    const lastUse =
      caller !== undefined &&
      caller.numUses > 0 &&
      (await active.authority.consumeUse(caller)) === 'last';
    let result: PipelineResult;
    try {
      const response = await resolved.backend.handleRequest(ctx);
      // Most answers (every read) issue neither a lease nor a token: nothing to wait for.
      const registered =
        response?.secret === undefined && response?.auth === undefined
          ? { response }
          : await registerLease(effective, response, {
              leases: active.expiration,
              tokens: active.authority,
              caller,
              mountPoint: resolved.mount.path,
              bounds: ctx.ttl,
            });
      result = {
        ...registered,
        mountType: resolved.mount.type,
        mountPath: resolved.mount.path,
      };
    } catch (error) {
      await this.#audited('response', { request: effective, auth: caller, error, trail });
      throw error;
    } finally {
      // A token's last use still completes its request; the token goes right after.
      if (lastUse) await active.authority.revokeTree(caller.tokenHash);
    }
    if (this.#audit.recording !== false) {
      await this.#audited('response', {
        request: effective,
        auth: caller,
        trail,
        result,
        response: result.response,
      });
    }
    const events = result.response?.events;
    if (events !== undefined && events.length > 0) active.events.publish(events, resolved.mount);
    return result;
  }

  /** The audit stage; a failure is counted, and refuses the request. */
  #audited(kind: 'request' | 'response', entry: AuditEntry): Promise<void> {
    return auditStage(
      this.#audit,
      kind,
      entry,
      kind === 'request' ? this.#refuseRequest : this.#refuseResponse,
    );
  }

  readonly #countAuditFailure = (): void => {
    this.metrics.auditFailed();
  };

  readonly #refuseRequest = auditRefusal('request', this.#countAuditFailure);
  readonly #refuseResponse = auditRefusal('response', this.#countAuditFailure);

  /**
   * Opens a change-event subscription (`sys/events/subscribe/<type>`). The token needs `read` on
   * that path to subscribe; each event is then re-authorized at delivery (see EventBus).
   */
  async subscribe(request: LogicalRequest): Promise<Subscription> {
    const active = this.#active;
    if (active === undefined) throw sealedError();
    const prefix = 'sys/events/subscribe/';
    const eventType = request.path.startsWith(prefix) ? request.path.slice(prefix.length) : '';
    if (eventType === '')
      throw new LogicalError(
        'missing_field',
        400,
        'an event type is required: sys/events/subscribe/<type>',
      );
    const caller = await authenticate(request, active.authority, { unauthenticated: false });
    if (caller === undefined) throw new LogicalError('missing_token', 403, 'permission denied');
    await authorize(active.acl, caller, 'read', request.path, {}, { requiresSudo: false });
    await this.#audited('request', { request: { ...request, auth: caller }, auth: caller });
    return active.events.subscribe(eventType, caller);
  }

  /** The mount a request path belongs to, for metrics labels (bounded cardinality). */
  mountLabel(path: string): string {
    if (this.#active === undefined) return path.startsWith('sys/') ? 'sys/' : 'sealed';
    return this.#active.mounts.match(path)?.path ?? 'unknown';
  }

  /** Sealed: only the seal endpoints answer, with no token and no audit (nothing to audit with). */
  async #handleSealed(request: LogicalRequest): Promise<PipelineResult> {
    const relative = request.path.startsWith('sys/') ? request.path.slice(4) : undefined;
    if (relative === undefined || !SYSTEM_SEALED_PATHS.has(relative)) throw sealedError();
    const resolved: Route = { mount: systemMount(), backend: this.#system, relativePath: relative };
    const response = await this.#system.handleRequest(this.#context(resolved, request));
    return { response, mountType: 'system' };
  }

  #context(resolved: Route, request: LogicalRequest): RequestContext {
    const { mount } = resolved;
    const system = this.systemTtl();
    const active = this.#active;
    let storage: Storage;
    if (active === undefined) {
      storage = new StorageView(emptyStorage, '');
    } else {
      let view = active.views.get(mount);
      if (view === undefined) {
        view = new StorageView(active.barrier, mountStoragePrefix(mount));
        active.views.set(mount, view);
      }
      storage = view;
    }
    return {
      signal: NOT_ABORTED,
      clock: this.clock,
      logger: this.logger,
      storage,
      mount,
      request: { ...request, path: resolved.relativePath },
      ttl: {
        defaultTtlMs: mount.config.defaultLeaseTtlMs || system.defaultTtlMs,
        maxTtlMs: mount.config.maxLeaseTtlMs || system.maxTtlMs,
      },
    };
  }

  // ------------------------------------------------------------- activation

  async #activate(): Promise<void> {
    {
      if (this.#active !== undefined) return;
      // Every read and write of the unsealed core goes through one cache over the barrier
      // (see CachedStorage for why that keeps it exact); it is dropped at seal.
      const barrier = new CachedStorage(this.seal.barrier);
      // Devices first: no request may pass unaudited once the core is active.
      await this.audit.load();
      const mounts = new MountTable(barrier);
      await mounts.load();
      for (const mount of SYSTEM_MOUNTS) {
        if (mounts.get(mount.path) === undefined) await mounts.add(mount, { system: true });
      }
      const policies = new PolicyStore(new StorageView(barrier, 'sys/policy/'));
      await policies.setup();
      const expiration: ExpirationManager = new ExpirationManager({
        storage: new StorageView(barrier, 'sys/expire/'),
        clock: this.clock,
        logger: this.logger,
        revoke: (lease) => this.#revokeLease(lease),
        renew: (lease, incrementMs) => this.#renewLease(lease, incrementMs),
        onRevokeFailure: () => {
          this.metrics.revocationFailed();
        },
      });
      const tokens = new TokenStore({
        storage: new StorageView(barrier, 'sys/token/'),
        clock: this.clock,
        logger: this.logger,
        expiration,
      });
      const acl = accessControl(policies);
      const events = new EventBus({
        clock: this.clock,
        authorizer: {
          current: async (hash) => {
            const entry = await tokens.lookupByHash(hash);
            return entry === undefined ? undefined : toRequestAuth(entry);
          },
          canRead: async (auth, path) => (await acl.check(auth, 'read', path, {})).allowed,
        },
      });
      const quotas = new RateLimitQuotas({
        storage: new StorageView(barrier, 'sys/quotas/'),
        clock: this.clock,
      });
      await quotas.load();
      const passwordPolicies = new PasswordPolicyStore(
        new StorageView(barrier, 'sys/password-policy/'),
      );
      const active: Active = {
        barrier,
        mounts,
        backends: new Map(),
        policies,
        tokens,
        expiration,
        authority: tokens,
        acl,
        events,
        quotas,
        passwordPolicies,
        views: new WeakMap(),
      };
      this.#active = active;
      for (const mount of mounts.all()) {
        active.backends.set(mount.path, await this.#createBackend(active, mount));
      }
      await expiration.start();
      this.logger.info({ mounts: mounts.all().length }, 'unsealed');
    }
  }

  async #deactivate(): Promise<void> {
    const active = this.#active;
    this.#active = undefined;
    if (active !== undefined) {
      await this.#teardown(active);
      await this.audit.close();
    }
  }

  /** Reopens audit files (SIGHUP, after log rotation). Never rejects; failures are logged. */
  async reopenAudit(): Promise<void> {
    await this.audit.reopen();
  }

  async #teardown(active: Active): Promise<void> {
    active.expiration.stop();
    active.events.closeAll('sealed');
    for (const backend of active.backends.values()) {
      try {
        await backend.cleanup?.();
      } catch (error) {
        this.logger.warn({ err: errorSummary(error) }, 'backend cleanup failed');
      }
    }
  }

  async #createBackend(active: Active, mount: MountInfo): Promise<Backend> {
    if (mount.type === 'system') return this.#system;
    if (mount.type === 'token') {
      return createTokenBackend({
        store: active.tokens,
        expiration: active.expiration,
        hasSudo: async (ctx) => {
          const auth = ctx.request.auth;
          if (auth === undefined) return false;
          const decision = await active.acl.check(
            auth,
            ctx.request.operation,
            `${ctx.mount.path}${ctx.request.path}`,
            {},
          );
          return decision.sudo;
        },
      });
    }
    const factory = this.#options.backends?.[mount.type];
    if (factory === undefined) {
      throw new LogicalError(
        'bad_request',
        400,
        `unknown ${mount.kind === 'auth' ? 'auth method' : 'secrets engine'} type "${mount.type}"`,
      );
    }
    const setup = {
      clock: this.clock,
      logger: this.logger.child({ mount: mount.path }),
      storage: new StorageView(active.barrier, mountStoragePrefix(mount)),
      mount,
      generatePassword: (policyName: string) => active.passwordPolicies.generate(policyName),
    };
    const backend = await factory(setup);
    await backend.initialize?.(setup);
    return backend;
  }

  /** Routes a lease's revocation to the engine that issued it (or revokes a token). */
  async #revokeLease(lease: LeaseEntry): Promise<void> {
    const active = this.#requireActive();
    if (lease.kind === 'auth') {
      await active.tokens.revokeLease(lease);
      return;
    }
    await this.#leaseRequest(active, lease, 'revoke', 0);
  }

  async #renewLease(lease: LeaseEntry, incrementMs: number): Promise<{ ttlMs: number }> {
    const active = this.#requireActive();
    const response = await this.#leaseRequest(active, lease, 'renew', incrementMs);
    return { ttlMs: response?.secret?.ttlMs ?? 0 };
  }

  async #leaseRequest(
    active: Active,
    lease: LeaseEntry,
    operation: 'renew' | 'revoke',
    incrementMs: number,
  ) {
    const mount = active.mounts.get(lease.mountPoint);
    const backend = mount === undefined ? undefined : active.backends.get(mount.path);
    // The mount is gone: nothing is left to revoke, and nothing can renew.
    if (mount === undefined || backend === undefined) {
      if (operation === 'revoke') return undefined;
      throw new LogicalError('lease_not_found', 400, 'lease not found or lease is not renewable');
    }
    const request: LogicalRequest = {
      id: randomUUID(),
      operation,
      path: lease.path,
      data: {},
      clientToken: '',
      remoteAddress: '',
      secret: {
        leaseId: lease.leaseId,
        type: lease.secretType ?? '',
        internal: lease.internal,
        issueTime: lease.issueTime,
        expireTime: lease.expireTime,
        ttlMs: lease.expireTime === 0 ? 0 : lease.expireTime - lease.lastRenewalTime,
        incrementMs,
      },
    };
    const resolved: Route = { mount, backend, relativePath: lease.path.slice(mount.path.length) };
    return backend.handleRequest(this.#context(resolved, request));
  }

  #requireActive(): Active {
    const active = this.#active;
    if (active === undefined) throw sealedError();
    return active;
  }

  #clusterName(): string {
    return this.#options.clusterName ?? 'strongroom-cluster';
  }

  // --------------------------------------------------------------- sys deps

  #systemDeps(): SystemDeps {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the deps object's getters and arrows read private state of this core
    const core = this;
    const mountsOf = (): MountTable => core.#requireActive().mounts;
    return {
      version: STRONGROOM_VERSION,
      get clusterName() {
        return core.#clusterName();
      },
      clusterId: this.#clusterId,
      serverTime: () => core.clock.now(),
      sealStatus: () => core.sealStatus(),
      initialize: (input) => core.initialize(input),
      unseal: (input) => core.unseal(input),
      seal: () => core.sealServer(),
      keyStatus: () => {
        const status = core.seal.barrier.keyStatus();
        return Promise.resolve({
          term: status.term,
          installTime: status.install_time,
          encryptions: status.encryptions,
        });
      },
      rotate: () => core.seal.barrier.rotate().then(() => undefined),
      systemTtl: () => core.systemTtl(),
      audit: () => core.audit,
      expiration: () => core.#requireActive().expiration,
      quotas: () => core.#requireActive().quotas,
      passwordPolicies: () => core.#requireActive().passwordPolicies,
      mountFor: (path) => core.#requireActive().mounts.match(path),
      metrics: () => core.metrics.render(),
      listMounts: (kind: MountKind) => mountsOf().all(kind),
      mountAt: (path) => mountsOf().get(path),
      enableMount: async (input) => {
        const active = core.#requireActive();
        const path =
          input.kind === 'auth'
            ? `auth/${normaliseMountPath(input.path.slice('auth/'.length))}`
            : normaliseMountPath(input.path);
        if (
          input.type === 'system' ||
          input.type === 'token' ||
          core.#options.backends?.[input.type] === undefined
        ) {
          throw new LogicalError(
            'bad_request',
            400,
            `unknown ${input.kind === 'auth' ? 'auth method' : 'secrets engine'} type "${input.type}"`,
          );
        }
        const mount = await active.mounts.add({ ...input, path });
        try {
          active.backends.set(mount.path, await core.#createBackend(active, mount));
        } catch (error) {
          await active.mounts.remove(mount.path);
          throw error;
        }
        core.logger.info({ path: mount.path, type: mount.type }, 'mount enabled');
        return mount;
      },
      disableMount: async (kind, path) => {
        const active = core.#requireActive();
        const mount = active.mounts.get(path);
        if (mount === undefined) return;
        if (mount.type === 'system' || mount.type === 'token') {
          throw new LogicalError('bad_request', 400, `cannot unmount "${path}"`);
        }
        if (mount.kind !== kind) return;
        await active.expiration.revokePrefix(mount.path, { force: true });
        const backend = active.backends.get(mount.path);
        active.backends.delete(mount.path);
        await active.mounts.remove(mount.path);
        await backend?.cleanup?.();
        await deletePrefix(active.barrier, mountStoragePrefix(mount));
        core.logger.info({ path: mount.path, type: mount.type }, 'mount disabled');
      },
      tuneMount: async (_kind, path, change) =>
        mountsOf().update(path, (mount) => ({
          ...mount,
          config: { ...mount.config, ...change.config },
          description: change.description ?? mount.description,
          options:
            change.options === undefined ? mount.options : { ...mount.options, ...change.options },
        })),
      listPolicies: () => core.#requireActive().policies.list(),
      readPolicy: async (name) => (await core.#requireActive().policies.get(name))?.raw,
      writePolicy: async (name, text) => {
        await core.#requireActive().policies.set(name, text);
      },
      deletePolicy: (name) => core.#requireActive().policies.delete(name),
      grantsAnyUnder: async (auth, prefix) => {
        if (auth.root) return true;
        const acl = await core.#requireActive().policies.acl(auth.policies);
        return acl.grantsAnyUnder(prefix);
      },
      capabilities: async (auth, path) => {
        const acl = await core.#requireActive().policies.acl(auth.policies);
        return [...acl.capabilities(path)];
      },
      authFor: async (input) => {
        const active = core.#requireActive();
        if (input.token !== undefined) return active.authority.authenticate(input.token);
        if (input.accessor !== undefined) {
          const entry = await active.tokens.lookupByAccessor(input.accessor);
          return entry === undefined ? undefined : toRequestAuth(entry);
        }
        return undefined;
      },
    };
  }
}

/**
 * Requests are not cancelled mid-flight today (a client that goes away still gets its work
 * done, as in Vault), so every context shares one signal that never aborts; creating an
 * AbortController per request costs more than the rest of routing.
 */
const NOT_ABORTED = new AbortController().signal;

const emptyStorage: Storage = {
  get: () => Promise.resolve(undefined),
  put: () => Promise.reject(sealedError()),
  delete: () => Promise.reject(sealedError()),
  list: () => Promise.resolve([]),
};

function accessControl(policies: PolicyStore): AccessControl {
  return {
    // Not async: nearly every check hits the policy store's cache, and this answers those with
    // one settled promise instead of two async frames.
    check: (auth, operation, path, data) => {
      if (auth.root) return Promise.resolve({ allowed: true, sudo: true });
      const decide = (acl: ACL): { allowed: boolean; sudo: boolean } => {
        const result = acl.check(operation, path, data);
        return { allowed: result.allowed, sudo: result.rootPrivs };
      };
      const cached = policies.cachedAcl(auth.policies);
      if (cached !== undefined) return Promise.resolve(decide(cached));
      return policies.acl(auth.policies).then(decide);
    },
  };
}

function errorSummary(error: unknown): { type: string; code?: string } {
  if (error instanceof LogicalError) return { type: error.name, code: error.code };
  return { type: error instanceof Error ? error.name : typeof error };
}
