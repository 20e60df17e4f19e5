/**
 * The two series every request updates, `strongroom_requests_total` (by mount, method and status)
 * and `strongroom_request_duration_seconds` (a histogram by mount and status), kept as plain
 * numbers and handed to the prom-client registry when it is scraped.
 *
 * Why not prom-client's Counter and Histogram: each `inc` and `observe`, even on a labelled child,
 * turns the label set into a key and looks its series up again. That cost about 1 µs per request
 * on the request path (measured against the same server with the two calls removed). Here a
 * request finds its series with one map lookup and updates it with a few additions; a scrape
 * renders the same exposition prom-client's own metrics would.
 */
import type { Metric, Registry } from 'prom-client';

/** Upper bounds of the latency buckets, in seconds (plus `+Inf`). */
export const DURATION_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

const REQUESTS = {
  name: 'strongroom_requests_total',
  help: 'HTTP API requests, by mount, method and status.',
};
const DURATION = {
  name: 'strongroom_request_duration_seconds',
  help: 'HTTP API request latency, by mount and status.',
};

interface CountSeries {
  readonly labels: { readonly mount: string; readonly method: string; readonly status: string };
  value: number;
}

interface DurationSeries {
  readonly labels: { readonly mount: string; readonly status: string };
  /** Observations per bucket, not cumulative; the last slot is `+Inf`. */
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

/** What one request updates: found once per (mount, method, status), then kept. */
interface RequestSeries {
  readonly count: CountSeries;
  readonly duration: DurationSeries;
}

/** A sample as prom-client's registry renders it. */
interface Sample {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly metricName?: string;
}

export class RequestMetrics {
  /** By mount, method and status (a bounded set: mounts x verbs x codes). */
  readonly #series = new Map<string, RequestSeries>();
  /** By mount and status. */
  readonly #durations = new Map<string, DurationSeries>();

  /** Adds the two series to `registry`, which reads them on every scrape. */
  register(registry: Registry): void {
    registry.registerMetric(this.#metric(REQUESTS, 'counter', () => this.#countSamples()));
    registry.registerMetric(this.#metric(DURATION, 'histogram', () => this.#durationSamples()));
  }

  /**
   * One of the two series as the registry sees a metric: it renders any metric by its name,
   * help, type and `get()`, though its types only name prom-client's own classes.
   */
  #metric(
    meta: { readonly name: string; readonly help: string },
    type: 'counter' | 'histogram',
    samples: () => Sample[],
  ): Metric {
    const metric = {
      ...meta,
      type,
      aggregator: 'sum',
      get: () => Promise.resolve({ ...metric, values: samples() }),
      reset: () => {
        this.#reset();
      },
    };
    return metric as unknown as Metric;
  }

  /** Counts one finished request. Runs on every request. */
  observe(mount: string, method: string, status: number, seconds: number): void {
    const key = `${mount}\u0000${method}\u0000${String(status)}`;
    let series = this.#series.get(key);
    if (series === undefined) {
      series = this.#newSeries(key, mount, method, String(status));
    }
    series.count.value += 1;
    const duration = series.duration;
    duration.count += 1;
    duration.sum += seconds;
    let bucket = 0;
    while (bucket < DURATION_BUCKETS.length && seconds > (DURATION_BUCKETS[bucket] as number)) {
      bucket += 1;
    }
    duration.buckets[bucket] = (duration.buckets[bucket] as number) + 1;
  }

  #newSeries(key: string, mount: string, method: string, status: string): RequestSeries {
    const durationKey = `${mount}\u0000${status}`;
    let duration = this.#durations.get(durationKey);
    if (duration === undefined) {
      duration = {
        labels: { mount, status },
        buckets: new Float64Array(DURATION_BUCKETS.length + 1),
        sum: 0,
        count: 0,
      };
      this.#durations.set(durationKey, duration);
    }
    const count: CountSeries = { labels: { mount, method, status }, value: 0 };
    const series = { count, duration };
    this.#series.set(key, series);
    return series;
  }

  #countSamples(): Sample[] {
    return [...this.#series.values()].map(({ count }) => ({
      value: count.value,
      labels: count.labels,
    }));
  }

  /** Cumulative buckets, then sum and count, per series: prom-client's histogram layout. */
  #durationSamples(): Sample[] {
    const samples: Sample[] = [];
    for (const series of this.#durations.values()) {
      let cumulative = 0;
      series.buckets.forEach((observed, index) => {
        cumulative += observed;
        samples.push({
          metricName: `${DURATION.name}_bucket`,
          labels: { le: DURATION_BUCKETS[index] ?? '+Inf', ...series.labels },
          value: cumulative,
        });
      });
      samples.push({
        metricName: `${DURATION.name}_sum`,
        labels: series.labels,
        value: series.sum,
      });
      samples.push({
        metricName: `${DURATION.name}_count`,
        labels: series.labels,
        value: series.count,
      });
    }
    return samples;
  }

  #reset(): void {
    this.#series.clear();
    this.#durations.clear();
  }
}
