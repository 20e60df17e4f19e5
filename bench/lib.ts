import { Writable } from 'node:stream';

/**
 * Benchmark helpers. Machines here are noisy, so every figure is a ratio against a baseline
 * measured in the same run, interleaved round by round, and reported as the median of rounds.
 */

export interface Comparison {
  readonly name: string;
  readonly baselineNsPerOp: number;
  readonly subjectNsPerOp: number;
  /** subject / baseline (lower is better for costs). */
  readonly ratio: number;
}

/** Runs `op` `iterations` times (awaiting each) and returns nanoseconds per operation. */
export async function timeAsync(op: () => Promise<unknown>, iterations: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await op();
  return Number(process.hrtime.bigint() - start) / iterations;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? 0)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/**
 * Compares `subject` with `baseline`, alternating them for `rounds` rounds after a warm-up, and
 * returns the medians and their ratio.
 */
export async function compareAsync(
  name: string,
  baseline: () => Promise<unknown>,
  subject: () => Promise<unknown>,
  options: { iterations: number; rounds: number },
): Promise<Comparison> {
  await timeAsync(baseline, options.iterations);
  await timeAsync(subject, options.iterations);
  const base: number[] = [];
  const subj: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    base.push(await timeAsync(baseline, options.iterations));
    subj.push(await timeAsync(subject, options.iterations));
  }
  const baselineNsPerOp = median(base);
  const subjectNsPerOp = median(subj);
  return { name, baselineNsPerOp, subjectNsPerOp, ratio: subjectNsPerOp / baselineNsPerOp };
}

export function report(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function fmt(value: number, digits = 2): string {
  return value.toFixed(digits);
}

/** A log destination that drops its lines: their formatting is part of the server, I/O is not. */
export function discardingStream(): Writable {
  return new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
}

/** One call of a server's HTTP API as `token`; the parsed answer, undefined for none. */
export async function api(
  server: { readonly address: string },
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(`${server.address}/v1/${path}`, {
    method,
    headers: { 'X-Vault-Token': token, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}
