/**
 * The request log: one JSON line per request with method, path, status, duration_ms and the
 * caller's accessor, and no raw token (root, created, presented-but-invalid) anywhere in the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, callWithVerb } from './support/http.ts';
import { initAndUnseal, startWithConfig, tempDir } from './support/start.ts';

describe('request log', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let running: Awaited<ReturnType<typeof startWithConfig>>;
  let rootToken: string;
  let unsealKey: string;

  beforeAll(async () => {
    dir = await tempDir('log');
    running = await startWithConfig({ dir: dir.path });
    const init = await initAndUnseal(running.client);
    rootToken = init.rootToken;
    unsealKey = init.keys[0]!;
  });
  afterAll(async () => {
    await running.close();
    await dir.remove();
  });

  it('one line per request with method, path, status, duration_ms and accessor; no token', async () => {
    const root = running.client.withToken(rootToken);
    const rootAccessor = (await root.token.lookupSelf()).data!.accessor as string;
    const created = await root.token.create({ policies: ['default'], ttl: '1h' });
    const childToken = created.auth!.client_token;
    const childAccessor = created.auth!.accessor;
    const bogus = 'hvs.ThisTokenDoesNotExist0123456789';
    running.log.clear();

    const requests: {
      method: string;
      path: string;
      token?: string;
      bearer?: string;
      body?: unknown;
    }[] = [
      { method: 'GET', path: 'sys/health' },
      { method: 'GET', path: 'sys/mounts', token: rootToken },
      { method: 'GET', path: 'auth/token/lookup-self', bearer: childToken },
      { method: 'GET', path: 'sys/mounts', token: childToken },
      { method: 'GET', path: 'auth/token/lookup-self', token: bogus },
      { method: 'POST', path: 'auth/token/lookup', token: rootToken, body: { token: childToken } },
      { method: 'POST', path: 'auth/token/renew', token: rootToken, body: { token: childToken } },
      { method: 'PUT', path: 'sys/policies/acl/logged', token: rootToken, body: { policy: '{' } },
      { method: 'GET', path: 'nowhere', token: rootToken },
    ];
    const statuses: number[] = [];
    for (const r of requests) {
      const reply = await call(running.address, r.method, r.path, {
        ...(r.token === undefined ? {} : { token: r.token }),
        ...(r.bearer === undefined ? {} : { headers: { Authorization: `Bearer ${r.bearer}` } }),
        ...(r.body === undefined ? {} : { body: r.body }),
      });
      statuses.push(reply.status);
    }
    expect(statuses).toEqual([200, 200, 200, 403, 403, 200, 200, 400, 404]);
    const listed = await callWithVerb(running.address, 'LIST', 'sys/policies/acl', rootToken);
    expect(listed.status).toBe(200);

    const lines = running.log.requests();
    expect(lines).toHaveLength(requests.length + 1);
    for (const [i, line] of lines.entries()) {
      const expected = requests[i] ?? { method: 'LIST', path: 'sys/policies/acl' };
      expect(line).toMatchObject({
        method: expected.method,
        path: expected.path,
        status: statuses[i] ?? 200,
        duration_ms: expect.any(Number),
        request_id: expect.any(String),
      });
      expect(line.duration_ms as number).toBeGreaterThanOrEqual(0);
    }
    // The caller's accessor: root, the child (by Bearer), none for the unauthenticated/bogus;
    // a request that fails after its token was resolved (refused by policy, bad input) still
    // names its caller. A path no mount serves is refused before any token is looked at.
    expect(lines.map((line) => line.accessor)).toEqual([
      undefined,
      rootAccessor,
      childAccessor,
      childAccessor,
      undefined,
      rootAccessor,
      rootAccessor,
      rootAccessor,
      undefined,
      rootAccessor,
    ]);
    // Each request's ID is the one the client saw.
    expect(new Set(lines.map((l) => l.request_id)).size).toBe(lines.length);

    const text = running.log.text;
    for (const secret of [rootToken, childToken, bogus, unsealKey]) {
      expect(text).not.toContain(secret);
      // Nor the random part alone.
      expect(text).not.toContain(secret.replace(/^hvs\./, ''));
    }
  });

  it('the x-request-id header matches the logged request_id', async () => {
    running.log.clear();
    const reply = await call(running.address, 'GET', 'sys/seal-status');
    const [line] = running.log.requests();
    expect(line?.request_id).toBe(reply.headers.get('x-request-id'));
  });
});
