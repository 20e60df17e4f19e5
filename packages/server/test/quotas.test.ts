/**
 * Rate-limit quotas over the real server: 429 past the rate, per client, most specific quota
 * first, block_interval, and the quota API's validation. Time is a manual clock.
 */
import { ManualClock } from '@strongroom/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinBackends } from '../src/builtin.ts';
import { startServer } from '../src/server.ts';
import type { RunningServer } from '../src/server.ts';
import { call } from './support/http.ts';
import { LogSink } from './support/log-sink.ts';

describe('rate-limit quotas', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  let server: RunningServer;
  let address: string;
  const token = 'root';

  beforeAll(async () => {
    server = await startServer({
      dev: { rootTokenId: token },
      listenAddress: '127.0.0.1:0',
      logDestination: new LogSink(),
      backends: builtinBackends,
      clock,
    });
    address = server.address;
    await call(address, 'POST', 'sys/auth/approle', { token, body: { type: 'approle' } });
  });

  afterAll(async () => {
    await server.close();
  });

  const status = async (method: string, path: string, body?: unknown): Promise<number> =>
    (await call(address, method, path, { token, ...(body === undefined ? {} : { body }) })).status;

  it("refuses requests past the rate with 429 and Vault's error body, until the interval refills", async () => {
    expect(
      await status('POST', 'sys/quotas/rate-limit/kv', {
        path: 'secret/',
        rate: 2,
        interval: '10s',
      }),
    ).toBe(204);
    await call(address, 'POST', 'secret/data/q', { token, body: { data: { a: '1' } } });
    await clock.advance(10_000);
    expect(await status('GET', 'secret/data/q')).toBe(200);
    expect(await status('GET', 'secret/data/q')).toBe(200);
    const refused = await call(address, 'GET', 'secret/data/q', { token });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      errors: ['request path "secret/data/q": rate limit quota exceeded'],
    });
    // Other paths are not limited by a mount quota.
    expect(await status('GET', 'sys/mounts')).toBe(200);
    await clock.advance(5_000);
    expect(await status('GET', 'secret/data/q')).toBe(200);
    expect(await status('GET', 'secret/data/q')).toBe(429);
    await status('DELETE', 'sys/quotas/rate-limit/kv');
    expect(await status('GET', 'secret/data/q')).toBe(200);
  });

  it('keeps a blocked client out for block_interval, and limits unauthenticated logins', async () => {
    expect(
      await status('POST', 'sys/quotas/rate-limit/logins', {
        path: 'auth/approle/login',
        rate: 1,
        interval: '1s',
        block_interval: '1m',
      }),
    ).toBe(204);
    const login = () =>
      call(address, 'POST', 'auth/approle/login', { body: { role_id: 'nope', secret_id: 'nope' } });
    expect((await login()).status).toBe(400);
    expect((await login()).status).toBe(429);
    await clock.advance(30_000);
    expect((await login()).status).toBe(429);
    await clock.advance(31_000);
    expect((await login()).status).toBe(400);
    await status('DELETE', 'sys/quotas/rate-limit/logins');
  });

  it('uses the most specific quota', async () => {
    await status('POST', 'sys/quotas/rate-limit/global', { rate: 1000 });
    await status('POST', 'sys/quotas/rate-limit/narrow', {
      path: 'secret/data/hot',
      rate: 1,
      interval: '1m',
    });
    expect(await status('GET', 'secret/data/hot')).toBe(404);
    expect(await status('GET', 'secret/data/hot')).toBe(429);
    expect(await status('GET', 'secret/data/cold')).toBe(404);
    expect(await status('GET', 'secret/data/cold')).toBe(404);
    await status('DELETE', 'sys/quotas/rate-limit/narrow');
    await status('DELETE', 'sys/quotas/rate-limit/global');
  });

  it('reads, lists and validates quotas', async () => {
    await status('POST', 'sys/quotas/rate-limit/read-me', {
      path: 'secret/',
      rate: 3.5,
      interval: '2m',
      block_interval: '5m',
    });
    const read = await call(address, 'GET', 'sys/quotas/rate-limit/read-me', { token });
    expect(read.body.data).toEqual({
      name: 'read-me',
      path: 'secret/',
      rate: 3.5,
      interval: 120,
      block_interval: 300,
      role: '',
      inheritable: false,
      type: 'rate-limit',
    });
    const list = await call(address, 'LIST', 'sys/quotas/rate-limit', { token });
    expect(list.body.data.keys).toEqual(['read-me']);
    for (const body of [
      { rate: 0 },
      { rate: 'lots' },
      { rate: 1, path: 'nowhere/' },
      { rate: 1, interval: 'soon' },
    ]) {
      const refused = await call(address, 'POST', 'sys/quotas/rate-limit/bad', { token, body });
      expect(refused.status).toBe(400);
      expect(refused.body.errors[0]).toMatch(/rate|path|interval/);
    }
    expect((await call(address, 'GET', 'sys/quotas/rate-limit/bad', { token })).status).toBe(404);
    await status('DELETE', 'sys/quotas/rate-limit/read-me');
  });

  it('needs a token with access to sys/quotas', async () => {
    const created = await call(address, 'POST', 'auth/token/create', {
      token,
      body: { policies: ['default'] },
    });
    const limited = created.body.auth.client_token as string;
    expect(
      (
        await call(address, 'POST', 'sys/quotas/rate-limit/x', {
          token: limited,
          body: { rate: 1 },
        })
      ).status,
    ).toBe(403);
  });
});
