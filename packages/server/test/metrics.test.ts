/**
 * `sys/metrics?format=prometheus` on a real server: request counters and latency histograms
 * labelled by mount (never by a path below it), the seal, token and lease gauges, and the policy
 * check in front of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinBackends } from '../src/builtin.ts';
import { startServer } from '../src/server.ts';
import type { RunningServer } from '../src/server.ts';
import { call } from './support/http.ts';
import { LogSink } from './support/log-sink.ts';
import { parseSamples, sampleValue } from './support/metrics.ts';

const ROOT = 'root';
/** A path segment that must never show up in a metrics label. */
const DEEP = 'deep-segment-q7z';

describe('sys/metrics', () => {
  let server: RunningServer;
  let address: string;

  async function scrape(): Promise<string> {
    const reply = await call(address, 'GET', 'sys/metrics', {
      token: ROOT,
      query: { format: 'prometheus' },
    });
    expect(reply.status).toBe(200);
    return reply.text;
  }

  beforeAll(async () => {
    server = await startServer({
      dev: { rootTokenId: ROOT },
      listenAddress: '127.0.0.1:0',
      logDestination: new LogSink(),
      backends: builtinBackends,
    });
    address = server.address;
  });

  afterAll(async () => {
    await server.close();
  });

  it('counts requests by mount, method and status, with latency histograms', async () => {
    const path = `secret/data/app/${DEEP}/db`;
    const write = await call(address, 'PUT', path, { token: ROOT, body: { data: { a: 1 } } });
    expect(write.status).toBe(200);
    const reads = 5;
    for (let i = 0; i < reads; i++) {
      expect((await call(address, 'GET', path, { token: ROOT })).status).toBe(200);
    }
    const missing = await call(address, 'GET', `secret/data/app/${DEEP}/missing`, { token: ROOT });
    expect(missing.status).toBe(404);

    const reply = await call(address, 'GET', 'sys/metrics', {
      token: ROOT,
      query: { format: 'prometheus' },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = reply.text;

    expect(text).toContain(
      `strongroom_requests_total{mount="secret/",method="GET",status="200"} ${reads}`,
    );
    const counter = (method: string, status: string): number | undefined =>
      sampleValue(text, 'strongroom_requests_total', { mount: 'secret/', method, status });
    expect(counter('GET', '200')).toBe(reads);
    expect(counter('PUT', '200')).toBe(1);
    expect(counter('GET', '404')).toBe(1);

    // Latency: a cumulative histogram per mount and status, its count matching the counters.
    expect(text).toContain('# TYPE strongroom_request_duration_seconds histogram');
    const histogram = { mount: 'secret/', status: '200' };
    expect(sampleValue(text, 'strongroom_request_duration_seconds_count', histogram)).toBe(
      reads + 1,
    );
    expect(
      sampleValue(text, 'strongroom_request_duration_seconds_bucket', { ...histogram, le: '+Inf' }),
    ).toBe(reads + 1);
    const sum = sampleValue(text, 'strongroom_request_duration_seconds_sum', histogram);
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(60);
    const buckets = parseSamples(text).filter(
      (s) =>
        s.name === 'strongroom_request_duration_seconds_bucket' &&
        s.labels.mount === 'secret/' &&
        s.labels.status === '200',
    );
    expect(buckets.length).toBeGreaterThan(3);
    const counts = buckets.map((b) => b.value);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));

    // The scrape itself is counted too, under sys/, once it has finished.
    const again = await scrape();
    expect(
      sampleValue(again, 'strongroom_requests_total', {
        mount: 'sys/',
        method: 'GET',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('reports the seal state and the token and lease gauges', async () => {
    const before = await scrape();
    expect(before).toMatch(/^strongroom_sealed 0$/m);
    const tokens = sampleValue(before, 'strongroom_tokens');
    const leases = sampleValue(before, 'strongroom_leases');
    expect(tokens).toBeGreaterThanOrEqual(1); // the root token
    expect(leases).toBeGreaterThanOrEqual(0);
    expect(sampleValue(before, 'strongroom_event_subscribers')).toBe(0);
    expect(sampleValue(before, 'strongroom_lease_revocations_pending')).toBe(0);
    expect(sampleValue(before, 'strongroom_audit_failures_total')).toBe(0);

    // Two tokens with a TTL: two more tokens, two more leases.
    for (let i = 0; i < 2; i++) {
      const created = await call(address, 'POST', 'auth/token/create', {
        token: ROOT,
        body: { policies: ['default'], ttl: '1h' },
      });
      expect(created.status).toBe(200);
    }
    const after = await scrape();
    expect(sampleValue(after, 'strongroom_tokens')).toBe((tokens ?? 0) + 2);
    expect(sampleValue(after, 'strongroom_leases')).toBe((leases ?? 0) + 2);
    expect(after).toMatch(/^strongroom_sealed 0$/m);
  });

  it('needs a policy for sys/metrics: 403 for a token without one, and without a token', async () => {
    const policy = await call(address, 'PUT', 'sys/policies/acl/kv-only', {
      token: ROOT,
      body: { policy: 'path "secret/*" { capabilities = ["read", "create", "update"] }' },
    });
    expect(policy.status).toBe(204);
    const created = await call(address, 'POST', 'auth/token/create', {
      token: ROOT,
      body: { policies: ['kv-only'], ttl: '1h' },
    });
    const token = created.body.auth.client_token as string;

    const denied = await call(address, 'GET', 'sys/metrics', {
      token,
      query: { format: 'prometheus' },
    });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ errors: ['permission denied'] });
    expect(denied.text).not.toContain('strongroom_');

    const anonymous = await call(address, 'GET', 'sys/metrics', {
      query: { format: 'prometheus' },
    });
    expect(anonymous.status).toBe(403);
    expect(anonymous.text).not.toContain('strongroom_');

    // A policy that grants it opens it.
    await call(address, 'PUT', 'sys/policies/acl/metrics-reader', {
      token: ROOT,
      body: { policy: 'path "sys/metrics" { capabilities = ["read"] }' },
    });
    const reader = await call(address, 'POST', 'auth/token/create', {
      token: ROOT,
      body: { policies: ['metrics-reader'], ttl: '1h' },
    });
    const allowed = await call(address, 'GET', 'sys/metrics', {
      token: reader.body.auth.client_token as string,
      query: { format: 'prometheus' },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.text).toContain('strongroom_requests_total');
  });

  it('never puts a path below a mount in a label', async () => {
    // Requests of every kind below mounts, and below no mount at all.
    await call(address, 'PUT', `secret/data/${DEEP}/x`, { token: ROOT, body: { data: { v: 1 } } });
    await call(address, 'GET', `secret/metadata/${DEEP}/x`, { token: ROOT });
    await call(address, 'LIST', `secret/metadata/${DEEP}`, { token: ROOT });
    await call(address, 'DELETE', `secret/data/${DEEP}/x`, { token: ROOT });
    await call(address, 'GET', `secret/data/${DEEP}/x`, { token: 'not-a-token' });
    await call(address, 'GET', `nowhere/${DEEP}/x`, { token: ROOT });
    await call(address, 'GET', `sys/policies/acl/${DEEP}`, { token: ROOT });
    await call(address, 'POST', `auth/token/lookup`, { token: ROOT, body: { token: DEEP } });

    const text = await scrape();
    expect(text).not.toContain(DEEP);
    const mounts = new Set<string>();
    for (const sample of parseSamples(text)) {
      for (const value of Object.values(sample.labels)) {
        expect(value, `${sample.name} ${JSON.stringify(sample.labels)}`).not.toMatch(
          /metadata|data\/|policies|lookup|nowhere/,
        );
      }
      if (sample.labels.mount !== undefined) mounts.add(sample.labels.mount);
    }
    // Only mount points (and `unknown` for no mount) label requests.
    expect([...mounts].sort()).toEqual(['auth/token/', 'secret/', 'sys/', 'unknown']);
  });
});
