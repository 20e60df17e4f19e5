/**
 * KV engine and change-event benchmark (issue: KV engine, audit, events, metrics).
 *   (a) KV v2 read (`GET /v1/secret/data/bench`) with a non-root token (a policy granting read on
 *       that path only) and a file audit device enabled (a temp file), over HTTP keep-alive,
 *       against a bare `node:http` server answering the same JSON body. Both are driven by
 *       autocannon in a child process (the load generator never shares the servers' event
 *       loop), same connections and duration, alternating baseline and subject, best round of
 *       each.                                                                  target >= 0.4x
 *   (b) Event latency: `SUBSCRIBERS` Server-Sent Events subscribers in a child process (their
 *       parsing never shares the server's loop), each with a non-root token that may read the
 *       written paths, so every delivery is re-authorized. From a KV v2 write acknowledged (the
 *       writer has the HTTP response) to each subscriber receiving its event, over `WRITES`
 *       writes, one at a time (the next write waits until every subscriber has the previous
 *       event, so the figure is delivery latency, not queueing behind a backlog).
 *                                                                            target p99 < 50 ms
 * Both processes timestamp with `process.hrtime` (CLOCK_MONOTONIC, shared by all processes on
 * the machine), so latencies across the process boundary are comparable. A subscriber can get
 * its event before the writer has parsed its response, so single samples may be negative.
 *
 * This same file is the subscribers' child process when started with `SUBSCRIBER_FLAG`.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinBackends } from '../packages/server/src/builtin.ts';
import { startServer } from '../packages/server/src/server.ts';
import type { RunningServer } from '../packages/server/src/server.ts';
import { api, discardingStream, fmt, percentile, report } from './lib.ts';
import { compareWithBareServer, describeFigures, describeRatio } from './load.ts';
import type { BareComparison } from './load.ts';

const CONNECTIONS = 10;
const DURATION_S = 5;
const ROUNDS = 3;
/** As the server-core benchmark: long enough for the request path to be optimised. */
const WARMUP_S = 4;
const SUBSCRIBERS = 100;
const WRITES = 200;
const SUBSCRIBER_FLAG = '--strongroom-bench-sse-subscribers';
const ROOT = 'bench-root';

export interface EventLatencyFigures {
  readonly subscribers: number;
  readonly writes: number;
  readonly samples: number;
  readonly missing: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface ServerKvFigures extends BareComparison {
  readonly events: EventLatencyFigures;
}

// ------------------------------------------------------------------------------------ helpers

async function tokenFor(server: RunningServer, name: string, policy: string): Promise<string> {
  await api(server, 'PUT', `sys/policies/acl/${name}`, ROOT, { policy });
  const created = (await api(server, 'POST', 'auth/token/create', ROOT, {
    policies: [name],
    no_default_policy: true,
    ttl: '24h',
    display_name: name,
  })) as { auth: { client_token: string } };
  return created.auth.client_token;
}

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

// ------------------------------------------------------------------------------ (a) KV reads

async function kvReadThroughput(server: RunningServer): Promise<BareComparison> {
  const token = await tokenFor(
    server,
    'bench-kv-read',
    'path "secret/data/bench" { capabilities = ["read"] }',
  );
  await api(server, 'PUT', 'secret/data/bench', ROOT, {
    data: { username: 'app', password: 'correct-horse-battery-staple', port: 5432 },
  });
  const subjectUrl = `${server.address}/v1/secret/data/bench`;
  const headers = { 'X-Vault-Token': token };
  const sample = await fetch(subjectUrl, { headers });
  if (sample.status !== 200) throw new Error(`the KV read answered ${sample.status}`);
  const body = await sample.text();

  return compareWithBareServer(subjectUrl, body, headers, {
    connections: CONNECTIONS,
    durationS: DURATION_S,
    warmupS: WARMUP_S,
    rounds: ROUNDS,
  });
}

// -------------------------------------------------------------------------- (b) event latency

/** Parent -> child. */
type ToSubscribers =
  | {
      readonly kind: 'start';
      readonly address: string;
      readonly token: string;
      readonly count: number;
    }
  | { readonly kind: 'collect' };

/** Child -> parent. */
type FromSubscribers =
  | { readonly kind: 'ready' }
  | { readonly kind: 'failed'; readonly message: string }
  /** Every subscriber has received the event of write `seq`. */
  | { readonly kind: 'complete'; readonly seq: number }
  /** Receipt times (hrtime ms) by write: `received[seq]` has one entry per subscriber. */
  | { readonly kind: 'results'; readonly received: Record<string, number[]> };

const EVENT_PREFIX = 'secret/data/bench-events/';

/** The child process: `count` SSE subscribers, timestamps of every event they receive. */
function runSubscribers(): void {
  const send = (message: FromSubscribers): void => {
    process.send?.(message);
  };
  const received = new Map<number, number[]>();
  const streams: AbortController[] = [];
  let count = 0;

  const onEvent = (dataPath: string, at: number): void => {
    if (!dataPath.startsWith(EVENT_PREFIX)) return;
    const seq = Number(dataPath.slice(EVENT_PREFIX.length));
    let times = received.get(seq);
    if (times === undefined) {
      times = [];
      received.set(seq, times);
    }
    times.push(at);
    if (times.length === count) send({ kind: 'complete', seq });
  };

  const subscribe = async (address: string, token: string): Promise<void> => {
    const controller = new AbortController();
    streams.push(controller);
    const response = await fetch(`${address}/v1/sys/events/subscribe/kv-v2/data-write`, {
      headers: { 'X-Vault-Token': token, Accept: 'text/event-stream' },
      signal: controller.signal,
    });
    if (response.status !== 200 || response.body === null) {
      throw new Error(`subscribe answered ${response.status}`);
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    void (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          const at = nowMs();
          buffer += decoder.decode(value, { stream: true });
          let boundary = buffer.indexOf('\n\n');
          while (boundary !== -1) {
            const frame = buffer.slice(0, boundary);
            buffer = buffer.slice(boundary + 2);
            boundary = buffer.indexOf('\n\n');
            const data = frame.split('\n').find((line) => line.startsWith('data: '));
            if (data === undefined) continue;
            const event = JSON.parse(data.slice(6)) as {
              data: { event: { metadata: { data_path: string } } };
            };
            onEvent(event.data.event.metadata.data_path, at);
          }
        }
      } catch {
        // Aborted at the end of the run.
      }
    })();
  };

  process.on('message', (message: ToSubscribers) => {
    if (message.kind === 'start') {
      count = message.count;
      Promise.all(
        Array.from({ length: message.count }, () => subscribe(message.address, message.token)),
      ).then(
        () => {
          send({ kind: 'ready' });
        },
        (error: unknown) => {
          send({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
        },
      );
      return;
    }
    for (const controller of streams) controller.abort();
    const results: FromSubscribers = { kind: 'results', received: Object.fromEntries(received) };
    // Disconnect only once the results are out: disconnecting drops messages still queued.
    process.send?.(results, () => {
      process.disconnect();
    });
  });
}

async function eventLatency(server: RunningServer): Promise<EventLatencyFigures> {
  const token = await tokenFor(
    server,
    'bench-events',
    `path "sys/events/subscribe/kv*" { capabilities = ["read"] }
     path "${EVENT_PREFIX}*" { capabilities = ["read"] }`,
  );
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [SUBSCRIBER_FLAG], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiters = new Map<string, (message: FromSubscribers) => void>();
  const completions = new Map<number, () => void>();
  child.on('message', (message: FromSubscribers) => {
    if (message.kind === 'complete') {
      completions.get(message.seq)?.();
      return;
    }
    waiters.get(message.kind === 'failed' ? 'ready' : message.kind)?.(message);
  });
  const expect = (kind: 'ready' | 'results', timeoutMs: number): Promise<FromSubscribers> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`subscribers: no ${kind} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.set(kind, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
    });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const ready = expect('ready', 30_000);
    child.send({ kind: 'start', address: server.address, token, count: SUBSCRIBERS });
    const started = await ready;
    if (started.kind === 'failed') throw new Error(`subscribers failed: ${started.message}`);

    // Warm-up writes (JIT on both sides), not measured.
    const acked = new Map<number, number>();
    const writeOne = async (seq: number): Promise<void> => {
      const complete = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 2_000);
        completions.set(seq, () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      await api(server, 'PUT', `${EVENT_PREFIX}${seq}`, ROOT, { data: { value: `v${seq}` } });
      acked.set(seq, nowMs());
      await complete;
      completions.delete(seq);
    };
    const warmUp = 20;
    for (let seq = -warmUp; seq < 0; seq++) await writeOne(seq);
    for (let seq = 0; seq < WRITES; seq++) await writeOne(seq);

    const results = expect('results', 30_000);
    child.send({ kind: 'collect' } satisfies ToSubscribers);
    const collected = await results;
    if (collected.kind !== 'results') throw new Error('subscribers: unexpected answer');
    const latencies: number[] = [];
    let missing = 0;
    for (let seq = 0; seq < WRITES; seq++) {
      const ack = acked.get(seq) ?? Number.NaN;
      const times = collected.received[String(seq)] ?? [];
      missing += SUBSCRIBERS - times.length;
      for (const at of times) latencies.push(at - ack);
    }
    return {
      subscribers: SUBSCRIBERS,
      writes: WRITES,
      samples: latencies.length,
      missing,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY),
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill();
    await exited;
  }
}

// ----------------------------------------------------------------------------------- the run

export async function runServerKv(): Promise<ServerKvFigures> {
  report('## KV engine and change events');
  const dir = await mkdtemp(join(tmpdir(), 'strongroom-bench-kv-'));
  const auditFile = join(dir, 'audit.log');
  const server = await startServer({
    dev: { rootTokenId: ROOT },
    listenAddress: '127.0.0.1:0',
    logDestination: discardingStream(),
    backends: builtinBackends,
  });
  try {
    await api(server, 'PUT', 'sys/audit/file', ROOT, {
      type: 'file',
      options: { file_path: auditFile },
    });

    const reads = await kvReadThroughput(server);
    report(
      `(a) KV v2 read, non-root token, file audit device, ${CONNECTIONS} connections x ${DURATION_S} s, keep-alive, best of ${ROUNDS} alternating rounds`,
    );
    report(describeFigures('  bare node:http (same body)', reads.baseline));
    report(describeFigures('  strongroom KV v2 read     ', reads.subject));
    report(`  ${describeRatio(reads, 0.4)}`);
    if (reads.subject.non2xx + reads.subject.errors > 0) {
      report('  warning: the subject answered errors; the figure is not comparable');
    }
    const audited = (await stat(auditFile)).size;
    report(`  audit file: ${fmt(audited / 1024 / 1024, 1)} MiB written`);

    const events = await eventLatency(server);
    report(
      `(b) event latency, ${events.subscribers} SSE subscribers (child process), ${events.writes} KV v2 writes one at a time, write acknowledged -> event received`,
    );
    report(
      `  p50 ${fmt(events.p50Ms)} ms, p99 ${fmt(events.p99Ms)} ms, max ${fmt(events.maxMs)} ms over ${events.samples} deliveries (target p99 < 50 ms)`,
    );
    if (events.missing > 0) report(`  warning: ${events.missing} deliveries missing`);
    return { ...reads, events };
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes(SUBSCRIBER_FLAG)) runSubscribers();
