/**
 * HTTP load for the server benchmarks: autocannon's CLI in a child process (so the load
 * generator never shares the server's event loop), its JSON summary read back.
 */
import { execFile } from 'node:child_process';
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
  const { stdout } = await run(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 });
  const summary = JSON.parse(stdout) as {
    requests: { average: number };
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
  };
}

/** The round with the highest throughput. */
export function best(rounds: readonly LoadFigures[]): LoadFigures {
  return rounds.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
}

export function describeFigures(name: string, f: LoadFigures): string {
  const problems = f.non2xx + f.errors > 0 ? ` (non-2xx ${f.non2xx}, errors ${f.errors})` : '';
  return `${name}: ${fmt(f.requestsPerSecond, 0)} req/s, p50 ${fmt(f.p50Ms, 1)} ms, p99 ${fmt(f.p99Ms, 1)} ms${problems}`;
}
