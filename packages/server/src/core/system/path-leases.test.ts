import { ManualClock } from '@strongroom/protocol';
import { describe, expect, it } from 'vitest';
import { LogicalError } from '../../logical/errors.ts';
import { captureLogger, logicalFailure, memoryStorage } from '../../test-support.ts';
import { ExpirationManager } from '../expiration/index.ts';
import type { LeaseEntry } from '../expiration/index.ts';
import { systemRequester } from './test-support.ts';
import { leasePaths } from './path-leases.ts';

async function setup() {
  const clock = new ManualClock();
  const { logger } = captureLogger();
  const revoked: string[] = [];
  let failRevoke = false;
  const manager = new ExpirationManager({
    storage: memoryStorage(),
    clock,
    logger,
    revoke: (lease: LeaseEntry) => {
      if (failRevoke) return Promise.reject(new LogicalError('upstream_unavailable', 500, 'down'));
      revoked.push(lease.leaseId);
      return Promise.resolve();
    },
    renew: (_lease, incrementMs) => Promise.resolve({ ttlMs: incrementMs }),
  });
  await manager.start();
  const issue = async (path = 'database/creds/ro'): Promise<string> =>
    (
      await manager.registerSecret({
        path,
        mountPoint: 'database/',
        secret: {
          type: 'creds',
          internal: {},
          ttlMs: 3_600_000,
          maxTtlMs: 7_200_000,
          renewable: true,
        },
        bounds: { defaultTtlMs: 3_600_000, maxTtlMs: 86_400_000 },
      })
    ).leaseId;
  const request = systemRequester(leasePaths({ expiration: () => manager }), { clock, logger });
  return {
    clock,
    manager,
    issue,
    request,
    revoked,
    setFailRevoke: (v: boolean) => (failRevoke = v),
  };
}

describe('sys/leases paths', () => {
  it("looks a lease up with Vault's fields", async () => {
    const t = await setup();
    const id = await t.issue();
    const res = await t.request('update', 'leases/lookup', { lease_id: id });
    expect(res?.data).toEqual({
      id,
      issue_time: new Date(t.clock.now()).toISOString(),
      expire_time: new Date(t.clock.now() + 3_600_000).toISOString(),
      last_renewal: null,
      renewable: true,
      ttl: 3600,
    });
    expect((await logicalFailure(t.request('update', 'leases/lookup', {}))).message).toBe(
      'lease_id must be specified',
    );
    const unknown = await logicalFailure(
      t.request('update', 'leases/lookup', { lease_id: 'database/creds/ro/nope' }),
    );
    expect([unknown.status, unknown.message]).toEqual([400, 'invalid lease']);
    const malformed = await logicalFailure(
      t.request('update', 'leases/lookup', { lease_id: 'a/../b' }),
    );
    expect([malformed.status, malformed.message]).toEqual([400, 'invalid lease ID']);
  });

  it('lists lease IDs one level at a time; empty is 404', async () => {
    const t = await setup();
    const id = await t.issue();
    expect((await t.request('list', 'leases/lookup/'))?.data).toEqual({ keys: ['database/'] });
    expect((await t.request('list', 'leases/lookup/database/creds/ro/'))?.data).toEqual({
      keys: [id.split('/').pop()],
    });
    expect((await logicalFailure(t.request('list', 'leases/lookup/nothing/'))).status).toBe(404);
  });

  it('renews (body or URL, and the sys/renew alias) with the lease at the top level', async () => {
    const t = await setup();
    const id = await t.issue();
    await t.clock.advance(60_000);
    const res = await t.request('update', 'leases/renew', { lease_id: id, increment: '30m' });
    expect(res?.topLevel).toEqual({ lease_id: id, renewable: true, lease_duration: 1800 });
    const viaUrl = await t.request('update', `renew/${id}`, { increment: 600 });
    expect(viaUrl?.topLevel).toMatchObject({ lease_id: id, lease_duration: 600 });
    const lookup = await t.request('update', 'leases/lookup', { lease_id: id });
    expect(lookup?.data).toMatchObject({ last_renewal: new Date(t.clock.now()).toISOString() });
    const unknown = await logicalFailure(
      t.request('update', 'leases/renew', { lease_id: 'database/creds/ro/x' }),
    );
    expect([unknown.status, unknown.message]).toEqual([400, 'lease not found']);
  });

  it('revokes: sync by default (204), 202 with sync=false, unknown leases succeed', async () => {
    const t = await setup();
    const a = await t.issue();
    const b = await t.issue();
    expect(await t.request('update', 'leases/revoke', { lease_id: a })).toBeUndefined();
    expect(t.revoked).toEqual([a]);
    expect(await t.manager.lookup(a)).toBeUndefined();
    const accepted = await t.request('update', `revoke/${b}`, { sync: false });
    expect(accepted?.raw?.status).toBe(202);
    await t.clock.flush();
    expect(t.revoked).toEqual([a, b]);
    expect(await t.request('update', 'leases/revoke', { lease_id: a })).toBeUndefined();
  });

  it('revokes by prefix, and force deletes leases whose revocation fails', async () => {
    const t = await setup();
    const a = await t.issue('database/creds/ro');
    const b = await t.issue('database/creds/rw');
    const c = await t.issue('other/creds/x');
    await t.request('update', 'leases/revoke-prefix/database/creds/ro', {});
    expect(t.revoked).toEqual([a]);
    t.setFailRevoke(true);
    expect((await logicalFailure(t.request('update', 'revoke-prefix/database/', {}))).status).toBe(
      500,
    );
    expect(await t.manager.lookup(b)).toBeDefined();
    await t.request('update', 'leases/revoke-force/database', {});
    expect(await t.manager.lookup(b)).toBeUndefined();
    expect(await t.manager.lookup(c)).toBeDefined();
    await t.request('update', 'revoke-force/other/', {});
    expect(await t.manager.lookup(c)).toBeUndefined();
    expect((await t.request('update', 'leases/tidy', {}))?.raw?.status).toBe(202);
  });
});
