import { ManualClock } from '@strongroom/protocol';
import { describe, expect, it } from 'vitest';
import { LogicalError } from '../../logical/errors.ts';
import type { SecretResult } from '../../logical/response.ts';
import type { Storage } from '../../logical/storage.ts';
import { captureLogger, memoryStorage } from '../../test-support.ts';
import { ExpirationManager, authLeaseId } from './expiration-manager.ts';
import type { LeaseEntry } from './lease-entry.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const BOUNDS = { defaultTtlMs: HOUR, maxTtlMs: 24 * HOUR };

function secret(overrides: Partial<SecretResult> = {}): SecretResult {
  return {
    type: 'creds',
    internal: { username: 'v-ro-1' },
    ttlMs: 0,
    maxTtlMs: 0,
    renewable: true,
    ...overrides,
  };
}

class Engine {
  revoked: string[] = [];
  failures = 0;
  renewTtl = 0;
  revoke = (lease: LeaseEntry): Promise<void> => {
    if (this.failures > 0) {
      this.failures--;
      const error = Object.assign(new Error('connect ECONNREFUSED password=hunter2'), {
        code: 'ECONNREFUSED',
      });
      return Promise.reject(error);
    }
    this.revoked.push(lease.leaseId);
    return Promise.resolve();
  };
  renew = (_lease: LeaseEntry, incrementMs: number): Promise<{ ttlMs: number }> =>
    Promise.resolve({ ttlMs: this.renewTtl > 0 ? this.renewTtl : incrementMs });
}

function setup(options: { storage?: Storage; clock?: ManualClock; engine?: Engine } = {}) {
  const clock = options.clock ?? new ManualClock(Date.UTC(2026, 0, 1));
  const storage = options.storage ?? memoryStorage();
  const engine = options.engine ?? new Engine();
  const log = captureLogger();
  const manager = new ExpirationManager({
    storage,
    clock,
    logger: log.logger,
    revoke: engine.revoke,
    renew: engine.renew,
    random: () => 0.5,
    retry: { baseMs: 1000, capMs: 8000 },
  });
  return { clock, storage, engine, log, manager };
}

async function register(manager: ExpirationManager, ttlMs: number, tokenHash?: string) {
  return manager.registerSecret({
    path: 'database/creds/ro',
    mountPoint: 'database/',
    secret: secret({ ttlMs }),
    bounds: BOUNDS,
    ...(tokenHash === undefined ? {} : { tokenHash }),
  });
}

describe('ExpirationManager', () => {
  it('registers a lease under the request path with the capped TTL and persists it', async () => {
    const { manager, clock } = setup();
    await manager.start();
    const lease = await manager.registerSecret({
      path: 'database/creds/ro',
      mountPoint: 'database/',
      secret: secret({ ttlMs: 48 * HOUR }),
      bounds: BOUNDS,
    });
    expect(lease.leaseId).toMatch(/^database\/creds\/ro\/[0-9A-Za-z]{24}$/);
    expect(lease.ttlMs).toBe(24 * HOUR);
    const stored = await manager.lookup(lease.leaseId);
    expect(stored).toMatchObject({
      kind: 'secret',
      secretType: 'creds',
      internal: { username: 'v-ro-1' },
      issueTime: clock.now(),
      expireTime: clock.now() + 24 * HOUR,
      maxTtlMs: 24 * HOUR,
    });
    expect(manager.count()).toBe(1);
  });

  it('uses the mount default when the engine asks for none', async () => {
    const { manager } = setup();
    await manager.start();
    expect((await register(manager, 0)).ttlMs).toBe(HOUR);
  });

  it('revokes on expiry, not before', async () => {
    const { manager, clock, engine } = setup();
    await manager.start();
    const { leaseId } = await register(manager, 10 * MINUTE);
    await clock.advance(10 * MINUTE - 1);
    expect(engine.revoked).toEqual([]);
    await clock.advance(1);
    expect(engine.revoked).toEqual([leaseId]);
    expect(await manager.lookup(leaseId)).toBeUndefined();
    expect(manager.count()).toBe(0);
  });

  it('renew extends the lease but never past its max TTL', async () => {
    const { manager, clock, engine } = setup();
    await manager.start();
    const { leaseId } = await manager.registerSecret({
      path: 'database/creds/ro',
      mountPoint: 'database/',
      secret: secret({ ttlMs: 10 * MINUTE, maxTtlMs: 30 * MINUTE }),
      bounds: BOUNDS,
    });
    await clock.advance(5 * MINUTE);
    const first = await manager.renew(leaseId, 10 * MINUTE);
    expect(first.ttlMs).toBe(10 * MINUTE);
    expect(first.lease.expireTime).toBe(clock.now() + 10 * MINUTE);
    expect(first.lease.lastRenewalTime).toBe(clock.now());

    // The old expiry passes without revocation: the timer moved.
    await clock.advance(9 * MINUTE);
    expect(engine.revoked).toEqual([]);

    // 14 minutes in, asking for an hour gets only the 16 minutes left to the max.
    const second = await manager.renew(leaseId, HOUR);
    expect(second.ttlMs).toBe(16 * MINUTE);
    await clock.advance(16 * MINUTE - 1);
    expect(engine.revoked).toEqual([]);
    await clock.advance(1);
    expect(engine.revoked).toEqual([leaseId]);
  });

  it('caps what the engine grants by the max TTL too', async () => {
    const { manager, clock, engine } = setup();
    await manager.start();
    engine.renewTtl = 10 * HOUR;
    const { leaseId } = await manager.registerSecret({
      path: 'database/creds/ro',
      mountPoint: 'database/',
      secret: secret({ ttlMs: 10 * MINUTE, maxTtlMs: 20 * MINUTE }),
      bounds: BOUNDS,
    });
    await clock.advance(MINUTE);
    expect((await manager.renew(leaseId, 0)).ttlMs).toBe(19 * MINUTE);
  });

  it('refuses to renew past the max, a non-renewable lease, and an unknown lease', async () => {
    const { manager, clock } = setup();
    await manager.start();
    const capped = await manager.registerSecret({
      path: 'database/creds/ro',
      mountPoint: 'database/',
      secret: secret({ ttlMs: 10 * MINUTE, maxTtlMs: 10 * MINUTE }),
      bounds: BOUNDS,
    });
    const fixed = await manager.registerSecret({
      path: 'database/creds/ro',
      mountPoint: 'database/',
      secret: secret({ ttlMs: HOUR, renewable: false }),
      bounds: BOUNDS,
    });
    await expect(manager.renew(fixed.leaseId, 0)).rejects.toMatchObject({
      status: 400,
      code: 'bad_request',
    });
    await expect(manager.renew('database/creds/ro/nope', 0)).rejects.toMatchObject({
      status: 400,
      code: 'lease_not_found',
    });
    await clock.advance(10 * MINUTE);
    await expect(manager.renew(capped.leaseId, 0)).rejects.toMatchObject({
      status: 400,
      code: 'lease_not_found',
    });
  });

  it('refuses to renew a token lease through the generic path', async () => {
    const { manager } = setup();
    await manager.start();
    const lease = await manager.registerAuth({
      path: 'auth/token/create',
      mountPoint: 'auth/token/',
      tokenHash: 'h1',
      ttlMs: HOUR,
      maxTtlMs: 0,
      renewable: true,
    });
    expect(lease?.leaseId).toBe('auth/token/create/h1');
    await expect(manager.renew('auth/token/create/h1', 0)).rejects.toBeInstanceOf(LogicalError);
  });

  it('creates no lease for a token that never expires', async () => {
    const { manager } = setup();
    await manager.start();
    const lease = await manager.registerAuth({
      path: 'auth/token/root',
      mountPoint: 'auth/token/',
      tokenHash: 'h0',
      ttlMs: 0,
      maxTtlMs: 0,
      renewable: false,
    });
    expect(lease).toBeUndefined();
    expect(manager.count()).toBe(0);
  });

  it('renewAuth moves a token lease, capped by its max', async () => {
    const { manager, clock, engine } = setup();
    await manager.start();
    await manager.registerAuth({
      path: 'auth/token/create',
      mountPoint: 'auth/token/',
      tokenHash: 'h1',
      ttlMs: HOUR,
      maxTtlMs: 2 * HOUR,
      renewable: true,
    });
    const id = authLeaseId('auth/token/create', 'h1');
    await clock.advance(50 * MINUTE);
    expect((await manager.renewAuth(id, HOUR)).ttlMs).toBe(HOUR);
    await clock.advance(55 * MINUTE);
    expect(engine.revoked).toEqual([]);
    expect((await manager.renewAuth(id, HOUR)).ttlMs).toBe(15 * MINUTE);
    await clock.advance(15 * MINUTE - 1);
    expect(engine.revoked).toEqual([]);
    await clock.advance(1);
    expect(engine.revoked).toEqual([id]);
  });

  it('revoke is idempotent and cancels the timer', async () => {
    const { manager, clock, engine } = setup();
    await manager.start();
    const { leaseId } = await register(manager, 10 * MINUTE);
    await manager.revoke(leaseId);
    await manager.revoke(leaseId);
    await manager.revoke('database/creds/ro/never-existed');
    expect(engine.revoked).toEqual([leaseId]);
    await clock.advance(HOUR);
    expect(engine.revoked).toEqual([leaseId]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('concurrent revokes of one lease call the engine once', async () => {
    const { manager, engine } = setup();
    await manager.start();
    const { leaseId } = await register(manager, 10 * MINUTE);
    await Promise.all([manager.revoke(leaseId), manager.revoke(leaseId)]);
    expect(engine.revoked).toEqual([leaseId]);
  });

  it('a failed manual revoke throws and keeps the lease', async () => {
    const { manager, engine } = setup();
    await manager.start();
    const { leaseId } = await register(manager, 10 * MINUTE);
    engine.failures = 1;
    await expect(manager.revoke(leaseId)).rejects.toThrow();
    expect(await manager.lookup(leaseId)).toBeDefined();
    await manager.revoke(leaseId);
    expect(await manager.lookup(leaseId)).toBeUndefined();
  });

  it('retries a failed expiry revocation with backoff until it succeeds', async () => {
    const { manager, clock, engine, log } = setup();
    await manager.start();
    const { leaseId } = await register(manager, 10 * MINUTE);
    engine.failures = 3;
    await clock.advance(10 * MINUTE);
    expect(engine.revoked).toEqual([]);
    expect(manager.pendingRevocations()).toBe(1);
    expect((await manager.lookup(leaseId))?.revokeAttempts).toBe(1);
    // random() = 0.5: delays are 500, 1000, 2000 ms (half of base * 2^(n-1)).
    expect(clock.nextTimerIn()).toBe(500);
    await clock.advance(500);
    expect((await manager.lookup(leaseId))?.revokeAttempts).toBe(2);
    expect(clock.nextTimerIn()).toBe(1000);
    await clock.advance(1000);
    expect((await manager.lookup(leaseId))?.revokeAttempts).toBe(3);
    expect(clock.nextTimerIn()).toBe(2000);
    await clock.advance(1999);
    expect(engine.revoked).toEqual([]);
    await clock.advance(1);
    expect(engine.revoked).toEqual([leaseId]);
    expect(manager.pendingRevocations()).toBe(0);
    expect(await manager.lookup(leaseId)).toBeUndefined();

    // Logs name the lease and the error code, never the driver's message.
    const failures = log.lines.filter((l) => l['msg'] === 'lease revocation failed');
    expect(failures).toHaveLength(3);
    expect(failures[0]).toMatchObject({ leaseId, code: 'ECONNREFUSED', attempts: 1 });
    expect(log.text()).not.toContain('hunter2');
  });

  it('backoff is capped', async () => {
    const { manager, clock, engine } = setup();
    await manager.start();
    await register(manager, MINUTE);
    engine.failures = 100;
    await clock.advance(MINUTE);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const next = clock.nextTimerIn() ?? -1;
      delays.push(next);
      await clock.advance(next);
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 4000, 4000, 4000, 4000]);
    expect(manager.pendingRevocations()).toBe(1);
  });

  it('survives a restart: expired leases revoked promptly, others keep their expiry', async () => {
    const storage = memoryStorage();
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const first = setup({ storage, clock });
    await first.manager.start();
    const short = await register(first.manager, 10 * MINUTE);
    const long = await register(first.manager, 2 * HOUR);
    const token = await first.manager.registerAuth({
      path: 'auth/approle/login',
      mountPoint: 'auth/approle/',
      tokenHash: 'h9',
      ttlMs: 20 * MINUTE,
      maxTtlMs: 0,
      renewable: true,
    });
    first.manager.stop();
    expect(clock.pendingTimers).toBe(0);

    await clock.advance(30 * MINUTE);
    expect(first.engine.revoked).toEqual([]);

    const second = setup({ storage, clock });
    await second.manager.start();
    await clock.flush();
    expect(second.engine.revoked.sort()).toEqual([short.leaseId, token?.leaseId].sort());
    expect(second.manager.count()).toBe(1);

    // The long lease still expires at its original time: 2h after issue, 90 min from now.
    await clock.advance(90 * MINUTE - 1);
    expect(second.engine.revoked).not.toContain(long.leaseId);
    await clock.advance(1);
    expect(second.engine.revoked).toContain(long.leaseId);
  });

  it('a restart resumes retrying a revocation that kept failing', async () => {
    const storage = memoryStorage();
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const engine = new Engine();
    const first = setup({ storage, clock, engine });
    await first.manager.start();
    const { leaseId } = await register(first.manager, MINUTE);
    engine.failures = 2;
    await clock.advance(MINUTE);
    first.manager.stop();
    expect((await first.manager.lookup(leaseId))?.revokeAttempts).toBe(1);

    const second = setup({ storage, clock, engine });
    await second.manager.start();
    await clock.flush();
    // The prompt attempt fails again; the count continues from storage.
    expect((await second.manager.lookup(leaseId))?.revokeAttempts).toBe(2);
    await clock.advance(1000);
    expect(engine.revoked).toEqual([leaseId]);
  });

  it('restores with limited concurrency', async () => {
    const storage = memoryStorage();
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const first = setup({ storage, clock });
    await first.manager.start();
    for (let i = 0; i < 40; i++) await register(first.manager, MINUTE);
    first.manager.stop();
    await clock.advance(HOUR);

    let active = 0;
    let peak = 0;
    let done = 0;
    const manager = new ExpirationManager({
      storage,
      clock,
      logger: captureLogger().logger,
      concurrency: 4,
      revoke: async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setImmediate(resolve));
        active--;
        done++;
      },
      renew: () => Promise.resolve({ ttlMs: 0 }),
    });
    await manager.start();
    for (let i = 0; i < 50 && done < 40; i++) await clock.flush();
    expect(done).toBe(40);
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1);
  });

  it('revokeByToken revokes the secret leases a token created, not its own lease', async () => {
    const { manager, engine } = setup();
    await manager.start();
    const a = await register(manager, HOUR, 'tok1');
    const b = await register(manager, HOUR, 'tok1');
    const other = await register(manager, HOUR, 'tok2');
    await manager.registerAuth({
      path: 'auth/token/create',
      mountPoint: 'auth/token/',
      tokenHash: 'tok1',
      ttlMs: HOUR,
      maxTtlMs: 0,
      renewable: true,
    });
    await manager.revokeByToken('tok1');
    expect(engine.revoked.sort()).toEqual([a.leaseId, b.leaseId].sort());
    expect(await manager.lookup(other.leaseId)).toBeDefined();
    expect(await manager.lookup('auth/token/create/tok1')).toBeDefined();
  });

  it('revokeByToken keeps a lease it could not revoke and retries it', async () => {
    const { manager, engine, clock } = setup();
    await manager.start();
    const a = await register(manager, HOUR, 'tok1');
    engine.failures = 1;
    await manager.revokeByToken('tok1');
    expect(engine.revoked).toEqual([]);
    expect(manager.pendingRevocations()).toBe(1);
    await clock.advance(1000);
    expect(engine.revoked).toEqual([a.leaseId]);
  });

  it('revokePrefix revokes a subtree, and an exact lease ID', async () => {
    const { manager, engine } = setup();
    await manager.start();
    const ro = await register(manager, HOUR);
    const rw = await manager.registerSecret({
      path: 'database/creds/rw',
      mountPoint: 'database/',
      secret: secret({ ttlMs: HOUR }),
      bounds: BOUNDS,
    });
    const kv = await manager.registerSecret({
      path: 'other/creds/x',
      mountPoint: 'other/',
      secret: secret({ ttlMs: HOUR }),
      bounds: BOUNDS,
    });
    await manager.revokePrefix('database/creds/ro', {});
    expect(engine.revoked).toEqual([ro.leaseId]);
    await manager.revokePrefix(kv.leaseId, {});
    expect(engine.revoked).toEqual([ro.leaseId, kv.leaseId]);
    await manager.revokePrefix('database/', {});
    expect(engine.revoked).toEqual([ro.leaseId, kv.leaseId, rw.leaseId]);
    await manager.revokePrefix('database/', {});
  });

  it('revokePrefix fails without force and deletes with force when the backend fails', async () => {
    const { manager, engine } = setup();
    await manager.start();
    const ro = await register(manager, HOUR);
    engine.failures = 1;
    await expect(manager.revokePrefix('database/', {})).rejects.toThrow();
    expect(await manager.lookup(ro.leaseId)).toBeDefined();
    engine.failures = 1;
    await manager.revokePrefix('database/', { force: true });
    expect(await manager.lookup(ro.leaseId)).toBeUndefined();
    expect(engine.revoked).toEqual([]);
    expect(manager.count()).toBe(0);
  });

  it('lists one level of lease IDs under a prefix', async () => {
    const { manager } = setup();
    await manager.start();
    const ro = await register(manager, HOUR);
    await manager.registerSecret({
      path: 'database/creds/rw',
      mountPoint: 'database/',
      secret: secret({ ttlMs: HOUR }),
      bounds: BOUNDS,
    });
    expect(await manager.listPrefix('database/')).toEqual(['creds/']);
    expect(await manager.listPrefix('database/creds')).toEqual(['ro/', 'rw/']);
    expect(await manager.listPrefix('database/creds/ro/')).toEqual([ro.leaseId.split('/').at(-1)]);
    expect(await manager.listPrefix('nothing/')).toEqual([]);
  });

  it('stop cancels every timer and revokes nothing', async () => {
    const { manager, clock, engine } = setup();
    await manager.start();
    await register(manager, MINUTE);
    await register(manager, HOUR);
    manager.stop();
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(2 * HOUR);
    expect(engine.revoked).toEqual([]);
  });

  it('tidy drops dangling index rows and re-indexes leases', async () => {
    const { manager, storage } = setup();
    await manager.start();
    const a = await register(manager, HOUR, 'tok1');
    await storage.put(`token/tok1/${Buffer.from('x/y/z').toString('base64url')}`, new Uint8Array());
    await storage.delete(`token/tok1/${Buffer.from(a.leaseId).toString('base64url')}`);
    await manager.tidy();
    expect(await storage.list('token/tok1/')).toEqual([
      Buffer.from(a.leaseId).toString('base64url'),
    ]);
  });

  it('expiring token leases that revoke their secrets do not deadlock the limiter', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const revoked: string[] = [];
    const holder: { manager?: ExpirationManager } = {};
    const manager = new ExpirationManager({
      storage: memoryStorage(),
      clock,
      logger: captureLogger().logger,
      concurrency: 1,
      revoke: async (lease) => {
        if (lease.kind === 'auth' && lease.tokenHash !== undefined) {
          await holder.manager?.revokeByToken(lease.tokenHash);
          await holder.manager?.forgetAuth(lease.leaseId);
        }
        revoked.push(lease.leaseId);
      },
      renew: () => Promise.resolve({ ttlMs: 0 }),
    });
    holder.manager = manager;
    await manager.start();
    for (const hash of ['t1', 't2', 't3']) {
      await manager.registerAuth({
        path: 'auth/token/create',
        mountPoint: 'auth/token/',
        tokenHash: hash,
        ttlMs: MINUTE,
        maxTtlMs: 0,
        renewable: true,
      });
      await register(manager, HOUR, hash);
      await register(manager, HOUR, hash);
    }
    await clock.advance(MINUTE);
    for (let i = 0; i < 10 && manager.count() > 0; i++) await clock.flush();
    expect(revoked).toHaveLength(9);
    expect(manager.count()).toBe(0);
    await manager.revokePrefix('auth/', { force: false });
  });
});
