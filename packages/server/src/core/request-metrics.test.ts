import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DURATION_BUCKETS, RequestMetrics } from './request-metrics.ts';

/** The same observations through prom-client's own Counter and Histogram. */
async function reference(
  observations: readonly [string, string, number, number][],
): Promise<string> {
  const registry = new Registry();
  const requests = new Counter({
    name: 'strongroom_requests_total',
    help: 'HTTP API requests, by mount, method and status.',
    labelNames: ['mount', 'method', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'strongroom_request_duration_seconds',
    help: 'HTTP API request latency, by mount and status.',
    labelNames: ['mount', 'status'],
    buckets: [...DURATION_BUCKETS],
    registers: [registry],
  });
  for (const [mount, method, status, seconds] of observations) {
    requests.inc({ mount, method, status: String(status) });
    duration.observe({ mount, status: String(status) }, seconds);
  }
  return registry.metrics();
}

describe('RequestMetrics', () => {
  const observations: [string, string, number, number][] = [
    ['secret/', 'GET', 200, 0.0003],
    ['secret/', 'GET', 200, 0.0005], // on a bucket's bound: counted in it (le)
    ['secret/', 'PUT', 200, 0.02],
    ['secret/', 'GET', 404, 0.001],
    ['auth/token/', 'POST', 200, 3], // above the last bound: +Inf only
    ['sys/', 'GET', 503, 0.7],
  ];

  it("renders exactly the exposition of prom-client's Counter and Histogram", async () => {
    const registry = new Registry();
    const metrics = new RequestMetrics();
    metrics.register(registry);
    for (const [mount, method, status, seconds] of observations) {
      metrics.observe(mount, method, status, seconds);
    }
    expect(await registry.metrics()).toBe(await reference(observations));
  });

  it('renders no samples before the first request, and none after a registry reset', async () => {
    const registry = new Registry();
    const metrics = new RequestMetrics();
    metrics.register(registry);
    const empty = await registry.metrics();
    expect(empty).toContain('# TYPE strongroom_requests_total counter');
    expect(empty).toContain('# TYPE strongroom_request_duration_seconds histogram');
    expect(empty).not.toMatch(/^strongroom_/m);

    metrics.observe('secret/', 'GET', 200, 0.001);
    expect(await registry.metrics()).toMatch(/^strongroom_requests_total\{.*\} 1$/m);
    registry.resetMetrics();
    expect(await registry.metrics()).toBe(empty);
  });
});
