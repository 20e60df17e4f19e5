/**
 * HTTP load for the server benchmarks: autocannon's CLI in a child process (so the load
 * generator never shares the server's event loop), its JSON summary read back.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { fmt } from './lib.ts';

const run = promisify(execFile);

export interface LoadFigures {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
  /**
   * CPU time (user + system) this process spent per completed request during the round. The
   * servers under test run in this process and the load generator in a child, so this is the
   * server's cost per request: steadier than throughput on a noisy machine, and it says where
   * a ratio comes from.
   */
  readonly serverCpuUsPerRequest: number;
}

/** `connections` keep-alive connections against `url` for `durationS` seconds. */
export async function load(
  url: string,
  headers: Readonly<Record<string, string>>,
  options: { readonly connections: number; readonly durationS: number },
): Promise<LoadFigures> {
  const cli = createRequire(import.meta.url).resolve('autocannon');
  const args = [cli, '-j', '-c', String(options.connections), '-d', String(options.durationS)];
  for (const [key, value] of Object.entries(headers)) args.push('-H', `${key}=${value}`);
  args.push(url);
  const cpuBefore = process.cpuUsage();
  const { stdout } = await run(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 });
  const cpu = process.cpuUsage(cpuBefore);
  const summary = JSON.parse(stdout) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  };
  return {
    requestsPerSecond: summary.requests.average,
    p50Ms: summary.latency.p50,
    p99Ms: summary.latency.p99,
    non2xx: summary.non2xx,
    errors: summary.errors + summary.timeouts,
    serverCpuUsPerRequest:
      summary.requests.total > 0 ? (cpu.user + cpu.system) / summary.requests.total : Number.NaN,
  };
}

/** The round with the highest throughput. */
export function best(rounds: readonly LoadFigures[]): LoadFigures {
  return rounds.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
}

export function describeFigures(name: string, f: LoadFigures): string {
  const problems = f.non2xx + f.errors > 0 ? ` (non-2xx ${f.non2xx}, errors ${f.errors})` : '';
  return `${name}: ${fmt(f.requestsPerSecond, 0)} req/s, p50 ${fmt(f.p50Ms, 1)} ms, p99 ${fmt(f.p99Ms, 1)} ms, server CPU ${fmt(f.serverCpuUsPerRequest, 1)} µs/request${problems}`;
}

export interface BareComparison {
  readonly baseline: LoadFigures;
  readonly subject: LoadFigures;
  /** subject / baseline requests per second of the best rounds (higher is better). */
  readonly throughputRatio: number;
  /**
   * subject / baseline of each pair of adjacent rounds, in order: how far the machine's noise
   * moves the figure within one run.
   */
  readonly roundRatios: readonly number[];
}

/** The report line of a comparison: its best-of ratio against `target`, then each round's. */
export function describeRatio(comparison: BareComparison, target: number): string {
  const rounds = comparison.roundRatios.map((ratio) => fmt(ratio)).join(' ');
  return `throughput ratio ${fmt(comparison.throughputRatio)}x (target >= ${String(target)}x); round by round ${rounds}`;
}

/** The baseline: a bare listener answering `body` with the headers Strongroom sends. */
export function bareListener(body: string): RequestListener {
  const length = Buffer.byteLength(body);
  return (req, res) => {
    req.resume();
    res.writeHead(200, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'x-request-id': '00000000-0000-4000-8000-000000000000',
      'content-length': length,
    });
    res.end(body);
  };
}

/**
 * Drives `subjectUrl` and a bare `node:http` server answering `body` (the subject's own answer,
 * with the same headers Strongroom sends) with the same load: a warm-up of each, long enough for
 * the subject's hot path to be optimised so the rounds compare steady states, then alternating
 * rounds, the best of each kept.
 */
export async function compareWithBareServer(
  subjectUrl: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  options: {
    readonly connections: number;
    readonly durationS: number;
    readonly warmupS: number;
    readonly rounds: number;
  },
): Promise<BareComparison> {
  const bare = createServer({ keepAliveTimeout: 65_000 }, bareListener(body));
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = bare.address() as AddressInfo;
    const baselineUrl = `http://127.0.0.1:${port}${new URL(subjectUrl).pathname}`;
    const warmup = { connections: options.connections, durationS: options.warmupS };
    await load(baselineUrl, headers, warmup);
    await load(subjectUrl, headers, warmup);
    const round = { connections: options.connections, durationS: options.durationS };
    const baselineRounds: LoadFigures[] = [];
    const subjectRounds: LoadFigures[] = [];
    for (let i = 0; i < options.rounds; i++) {
      baselineRounds.push(await load(baselineUrl, headers, round));
      subjectRounds.push(await load(subjectUrl, headers, round));
    }
    const baseline = best(baselineRounds);
    const subject = best(subjectRounds);
    return {
      baseline,
      subject,
      throughputRatio: subject.requestsPerSecond / baseline.requestsPerSecond,
      roundRatios: subjectRounds.map(
        (round, i) =>
          round.requestsPerSecond / (baselineRounds[i]?.requestsPerSecond ?? Number.NaN),
      ),
    };
  } finally {
    await new Promise<void>((resolve) => {
      bare.close(() => {
        resolve();
      });
      bare.closeAllConnections();
    });
  }
}
