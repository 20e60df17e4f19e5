/**
 * Prometheus metrics (`sys/metrics?format=prometheus`), through prom-client, on a registry of
 * this server's own (never the global default, so two servers in one process do not mix).
 * Labels name mounts and statuses, never paths below a mount (unbounded cardinality) or values.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { RequestMetrics } from './request-metrics.ts';

export interface MetricsSources {
  sealed(): boolean;
  leaseCount(): number;
  pendingRevocations(): number;
  tokenCount(): Promise<number>;
  subscriberCount(): number;
}

export class ServerMetrics {
  readonly registry = new Registry();
  readonly #requests = new RequestMetrics();
  readonly #auditFailures: Counter;
  readonly #revocationFailures: Counter;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.#requests.register(this.registry);
    this.#auditFailures = new Counter({
      name: 'strongroom_audit_failures_total',
      help: 'Requests refused or answered with an error because no audit device could record them.',
      registers,
    });
    this.#revocationFailures = new Counter({
      name: 'strongroom_lease_revocation_failures_total',
      help: 'Lease revocations that failed and were scheduled for retry.',
      registers,
    });
    new Gauge({
      name: 'strongroom_sealed',
      help: '1 when the server is sealed, 0 when unsealed.',
      registers,
      collect() {
        this.set(sources.sealed() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'strongroom_leases',
      help: 'Live leases (tokens with a TTL and dynamic secrets).',
      registers,
      collect() {
        this.set(sources.leaseCount());
      },
    });
    new Gauge({
      name: 'strongroom_lease_revocations_pending',
      help: 'Expired leases whose revocation failed and is being retried.',
      registers,
      collect() {
        this.set(sources.pendingRevocations());
      },
    });
    new Gauge({
      name: 'strongroom_tokens',
      help: 'Service tokens in the token store.',
      registers,
      async collect() {
        this.set(await sources.tokenCount());
      },
    });
    new Gauge({
      name: 'strongroom_event_subscribers',
      help: 'Open change-event subscriptions.',
      registers,
      collect() {
        this.set(sources.subscriberCount());
      },
    });
  }

  /** Counts one finished request (see RequestMetrics). */
  observeRequest(mount: string, method: string, status: number, seconds: number): void {
    this.#requests.observe(mount, method, status, seconds);
  }

  auditFailed(): void {
    this.#auditFailures.inc();
  }

  revocationFailed(): void {
    this.#revocationFailures.inc();
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
