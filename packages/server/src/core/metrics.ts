/**
 * Prometheus metrics (`sys/metrics?format=prometheus`), through prom-client, on a registry of
 * this server's own (never the global default, so two servers in one process do not mix).
 * Labels name mounts and statuses, never paths below a mount (unbounded cardinality) or values.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface MetricsSources {
  sealed(): boolean;
  leaseCount(): number;
  pendingRevocations(): number;
  tokenCount(): Promise<number>;
  subscriberCount(): number;
}

export class ServerMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'mount' | 'method' | 'status'>;
  readonly #duration: Histogram<'mount' | 'status'>;
  readonly #auditFailures: Counter;
  readonly #revocationFailures: Counter;
  /** Labelled children by mount, method and status (a bounded set: mounts x verbs x codes). */
  readonly #series = new Map<
    string,
    {
      count: ReturnType<Counter<'mount' | 'method' | 'status'>['labels']>;
      duration: ReturnType<Histogram<'mount' | 'status'>['labels']>;
    }
  >();

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.#requests = new Counter({
      name: 'strongroom_requests_total',
      help: 'HTTP API requests, by mount, method and status.',
      labelNames: ['mount', 'method', 'status'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'strongroom_request_duration_seconds',
      help: 'HTTP API request latency, by mount and status.',
      labelNames: ['mount', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
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

  /**
   * Counts one request. Runs on every request, so the labelled series are looked up once per
   * (mount, method, status) and kept: prom-client hashes a label object on every call otherwise.
   */
  observeRequest(mount: string, method: string, status: number, seconds: number): void {
    const key = `${mount}\u0000${method}\u0000${String(status)}`;
    let series = this.#series.get(key);
    if (series === undefined) {
      const code = String(status);
      series = {
        count: this.#requests.labels({ mount, method, status: code }),
        duration: this.#duration.labels({ mount, status: code }),
      };
      this.#series.set(key, series);
    }
    series.count.inc();
    series.duration.observe(seconds);
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
