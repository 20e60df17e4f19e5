/**
 * Lease restart benchmark (issue: leases survive restarts).
 *   A server on file storage holding `LEASES` (100,000) live leases is restarted: the time from
 *   `startServer` to unsealed and ready (every lease loaded and its timer armed, the
 *   `strongroom_leases` gauge, i.e. the expiration manager's `count()`, equal to `LEASES`), and
 *   the process's resident memory once ready. Each as a ratio against the same server on the same
 *   kind of storage restarted with 0 leases, measured in the same run, alternating rounds.
 *
 * The leases are real: issued through the whole request pipeline (`core.handleRequest`: token,
 * ACL, audit, the engine, register-lease, so persisted by the real ExpirationManager through the
 * barrier into SQLite) by a tiny engine whose one secret is leased and costs nothing to make or
 * revoke, so the figure is the lease manager's, not a database's. 100,000 real database users
 * would take far longer to create here than the restart being measured.
 *
 * Every restart runs in a fresh child process (this file, started with `CHILD_FLAG`), so RSS
 * counts only that server: no garbage left over from issuing, no previous server's heap. The
 * child collects garbage (`--expose-gc`) before reading RSS, so the figure is what the live
 * leases hold, not what loading them churned through.
 *
 * Issuing is bounded by `SETUP_BUDGET_MS`: if the budget runs out first, the benchmark measures
 * the leases issued so far and says so.
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinBackends } from '../packages/server/src/builtin.ts';
import { parseConfig } from '../packages/server/src/config/index.ts';
import { defineBackend, definePath, defineSecret } from '../packages/server/src/framework/index.ts';
import type { BackendFactory } from '../packages/server/src/logical/backend.ts';
import { startServer } from '../packages/server/src/server.ts';
import type { RunningServer } from '../packages/server/src/server.ts';
import { discardingStream, fmt, median, report } from './lib.ts';

export interface LeasesFigures {
  readonly leases: number;
  readonly restartMs: { readonly empty: number; readonly full: number };
  readonly rssBytes: { readonly empty: number; readonly full: number };
  /** full / empty restart time (lower is better). */
  readonly restartRatio: number;
  /** full / empty RSS (lower is better). */
  readonly rssRatio: number;
}

const LEASES = Number(process.env.BENCH_LEASES ?? 100_000);
const IN_FLIGHT = 32;
const ROUNDS = 3;
const SETUP_BUDGET_MS = 5 * 60_000;
const LEASE_TTL_MS = 24 * 3_600_000;
const CHILD_FLAG = '--strongroom-bench-leases-restart';
const MOUNT = 'leases';
const MOUNT_TYPE = 'bench-lease';

/** One leased secret at `<mount>/creds`; revoking it has nothing to destroy. */
const ticket = defineSecret({
  type: 'ticket',
  revoke: () => Promise.resolve(),
});

const benchLeaseBackend: BackendFactory = () =>
  defineBackend({
    type: MOUNT_TYPE,
    help: 'Issues leased secrets that cost nothing to create or revoke (benchmarks).',
    paths: [
      definePath({
        pattern: 'creds',
        fields: {},
        operations: {
          read: () =>
            Promise.resolve(
              ticket.response(
                { ticket: 'bench' },
                { internal: { kind: 'bench' }, ttlMs: LEASE_TTL_MS, maxTtlMs: 0 },
              ),
            ),
        },
        help: 'Issues one leased ticket.',
      }),
    ],
    secrets: [ticket],
  });

const backends = { ...builtinBackends, [MOUNT_TYPE]: benchLeaseBackend };

async function startOn(dir: string): Promise<RunningServer> {
  const text = JSON.stringify({
    listener: { tcp: { address: '127.0.0.1:0', tls_disable: 1 } },
    storage: { file: { path: dir } },
    log_level: 'warn',
  });
  const config = await parseConfig(join(dir, 'server.json'), text);
  return startServer({ config, logDestination: discardingStream(), backends });
}

/** The expiration manager's `count()`, read through the `strongroom_leases` gauge. */
async function leaseCount(server: RunningServer): Promise<number> {
  const gauge = server.core.metrics.registry.getSingleMetric('strongroom_leases');
  const values = (await gauge?.get())?.values ?? [];
  return values[0]?.value ?? -1;
}

interface Prepared {
  readonly dir: string;
  readonly unsealKey: string;
  readonly leases: number;
}

/** A new, initialized server directory with the bench engine mounted and `target` leases. */
async function prepare(target: number): Promise<Prepared & { setupMs: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'strongroom-bench-leases-'));
  const started = performance.now();
  const server = await startOn(dir);
  try {
    const init = await server.core.initialize({ secretShares: 1, secretThreshold: 1 });
    const unsealKey = init.keys[0] ?? '';
    await server.core.unseal({ key: unsealKey, reset: false });
    const request = (operation: 'read' | 'update', path: string, data = {}) =>
      server.core.handleRequest({
        id: `bench-${path}`,
        operation,
        path,
        data,
        clientToken: init.rootToken,
        remoteAddress: '127.0.0.1',
      });
    await request('update', `sys/mounts/${MOUNT}`, { type: MOUNT_TYPE });
    let next = 0;
    const deadline = started + SETUP_BUDGET_MS;
    const worker = async (): Promise<void> => {
      while (next < target && performance.now() < deadline) {
        next++;
        const result = await request('read', `${MOUNT}/creds`);
        if (result.lease === undefined) throw new Error('the bench engine issued no lease');
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const leases = await leaseCount(server);
    return { dir, unsealKey, leases, setupMs: performance.now() - started };
  } finally {
    await server.close();
  }
}

interface Measured {
  readonly kind: 'measured';
  readonly readyMs: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly leases: number;
}

/** Restarts the server on `prepared.dir` in a fresh child process and measures it. */
function measureInChild(prepared: Prepared): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG], {
      execArgv: [...process.execArgv, '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: Measured | undefined;
    child.on('message', (message: Measured | { kind: 'failed'; message: string }) => {
      if (message.kind === 'failed') reject(new Error(`restart child: ${message.message}`));
      else result = message;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (result !== undefined) resolve(result);
      else reject(new Error(`restart child exited with ${String(code)} and no result`));
    });
    child.send(prepared);
  });
}

/** The child: start, unseal, wait for every lease to be tracked, report, close. */
function runChild(): void {
  process.once('message', (prepared: Prepared) => {
    const send = (message: unknown): void => {
      process.send?.(message, () => {
        process.disconnect();
      });
    };
    void (async () => {
      const started = performance.now();
      const server = await startOn(prepared.dir);
      await server.core.unseal({ key: prepared.unsealKey, reset: false });
      // `unseal` resolves once the expiration manager has started: every lease loaded, every
      // timer armed. The count confirms it rather than assuming it.
      const leases = await leaseCount(server);
      const readyMs = performance.now() - started;
      (globalThis as { gc?: () => void }).gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      await server.close();
      if (leases !== prepared.leases) {
        throw new Error(`expected ${prepared.leases} leases after restart, found ${leases}`);
      }
      send({ kind: 'measured', readyMs, rss, heapUsed, leases } satisfies Measured);
    })().catch((error: unknown) => {
      send({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    });
  });
}

const mb = (bytes: number): string => `${fmt(bytes / 2 ** 20, 1)} MB`;

export async function runLeases(): Promise<LeasesFigures> {
  report(`## leases: restart with ${LEASES} live leases (file storage)`);
  const empty = await prepare(0);
  const full = await prepare(LEASES);
  try {
    report(
      `setup: ${full.leases} leases issued through core.handleRequest in ${fmt(full.setupMs / 1000, 1)} s ` +
        `(${fmt(full.leases / (full.setupMs / 1000), 0)}/s, ${IN_FLIGHT} in flight)`,
    );
    if (full.leases < LEASES) {
      report(
        `NOTE: the ${SETUP_BUDGET_MS / 60_000}-minute setup budget ran out: measuring ${full.leases} leases, not ${LEASES}`,
      );
    }
    const base: Measured[] = [];
    const subject: Measured[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first, so neither always runs on a warmer page cache.
      if (round % 2 === 0) {
        base.push(await measureInChild(empty));
        subject.push(await measureInChild(full));
      } else {
        subject.push(await measureInChild(full));
        base.push(await measureInChild(empty));
      }
    }
    const restartMs = {
      empty: median(base.map((m) => m.readyMs)),
      full: median(subject.map((m) => m.readyMs)),
    };
    const rssBytes = {
      empty: median(base.map((m) => m.rss)),
      full: median(subject.map((m) => m.rss)),
    };
    const heap = {
      empty: median(base.map((m) => m.heapUsed)),
      full: median(subject.map((m) => m.heapUsed)),
    };
    const figures: LeasesFigures = {
      leases: full.leases,
      restartMs,
      rssBytes,
      restartRatio: restartMs.full / restartMs.empty,
      rssRatio: rssBytes.full / rssBytes.empty,
    };
    report(
      `restart to ready (startServer + unseal, all leases tracked), median of ${ROUNDS} fresh processes:`,
    );
    report(
      `  0 leases: ${fmt(restartMs.empty, 0)} ms   ${full.leases} leases: ${fmt(restartMs.full, 0)} ms   ` +
        `ratio ${fmt(figures.restartRatio)}x   (${fmt(((restartMs.full - restartMs.empty) * 1000) / Math.max(1, full.leases), 1)} µs per lease)`,
    );
    report('resident memory once ready (after a GC):');
    report(
      `  0 leases: ${mb(rssBytes.empty)}   ${full.leases} leases: ${mb(rssBytes.full)}   ` +
        `ratio ${fmt(figures.rssRatio)}x   (${fmt((rssBytes.full - rssBytes.empty) / Math.max(1, full.leases), 0)} bytes per lease; ` +
        `heap used ${mb(heap.empty)} -> ${mb(heap.full)})`,
    );
    return figures;
  } finally {
    await rm(empty.dir, { recursive: true, force: true });
    await rm(full.dir, { recursive: true, force: true });
  }
}

if (process.argv.includes(CHILD_FLAG)) runChild();
