/**
 * Static role rotation: each static role's password is rotated every `rotation_period`, on timers
 * from the injected clock (armed in the backend's `initialize`, cancelled in `cleanup`).
 *
 * Contract (never leave the user without a working, known password):
 * 1. the new password is written to storage as `pendingPassword` first;
 * 2. the database is changed (ALTER ROLE / ALTER USER, or `rotation_statements`);
 * 3. the entry is committed: `password` = the new one, `pendingPassword` cleared.
 * A failure at 2 keeps the old `password` (still what the database has, or the pending one is
 * retried), and the rotation is retried with exponential backoff. A retry reuses the pending
 * password, so an interrupted rotation is idempotent: if the ALTER had applied, re-applying it is
 * harmless and the commit makes storage agree.
 * Rotations and edits of one role are serialised by the engine's lock `static-role/<name>`.
 * Logs carry role names and error codes, never a password.
 */
import type { Clock, Timer } from '@strongroom/protocol';
import type { Logger } from 'pino';
import { badRequest } from '../../logical/errors.ts';
import type { DatabaseEngine } from './engine.ts';
import { staticRoleStore } from './records.ts';
import type { StaticRoleEntry } from './records.ts';
import { errorSummary } from './sanitize.ts';

export interface StaticRotationDeps {
  readonly engine: DatabaseEngine;
  readonly clock: Clock;
  readonly logger: Logger;
  /** [0, 1) for retry jitter; `Math.random` by default. */
  readonly random?: () => number;
}

const RETRY_BASE_MS = 5_000;
const RETRY_CAP_MS = 5 * 60_000;

/** Delay before retry number `failures` (1-based): exponential, capped, half-jittered. */
export function retryDelayMs(failures: number, random: () => number, periodMs: number): number {
  const exp = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, failures - 1));
  const capped = periodMs > 0 ? Math.min(exp, periodMs) : exp;
  return Math.round(capped * (0.5 + random() / 2));
}

export class StaticRotation {
  readonly #engine: DatabaseEngine;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #random: () => number;
  readonly #timers = new Map<string, Timer>();
  #running = false;

  constructor(deps: StaticRotationDeps) {
    this.#engine = deps.engine;
    this.#clock = deps.clock;
    this.#logger = deps.logger;
    this.#random = deps.random ?? Math.random;
  }

  /** Arms a timer for every stored static role (a role with a pending rotation: now). */
  async start(): Promise<void> {
    this.#running = true;
    for (const name of await staticRoleStore.names(this.#engine.storage)) {
      const entry = await staticRoleStore.read(this.#engine.storage, name);
      if (entry !== undefined) this.schedule(name, entry);
    }
  }

  /** Cancels every timer. A rotation already running finishes but arms nothing. */
  stop(): void {
    this.#running = false;
    for (const timer of this.#timers.values()) timer.cancel();
    this.#timers.clear();
  }

  /** (Re)arms the role's timer from its entry. */
  schedule(name: string, entry: StaticRoleEntry): void {
    this.cancel(name);
    if (!this.#running) return;
    let delay: number;
    if (entry.pendingPassword !== undefined || entry.password === undefined) {
      delay =
        (entry.failures ?? 0) > 0
          ? retryDelayMs(entry.failures ?? 1, this.#random, entry.rotationPeriodMs)
          : 0;
    } else {
      delay = Math.max(0, (entry.lastRotationMs ?? 0) + entry.rotationPeriodMs - this.#clock.now());
    }
    const timer = this.#clock.setTimer(() => {
      this.#timers.delete(name);
      this.rotate(name).catch(() => {
        // Logged and rescheduled inside rotateLocked.
      });
    }, delay);
    this.#timers.set(name, timer);
  }

  cancel(name: string): void {
    this.#timers.get(name)?.cancel();
    this.#timers.delete(name);
  }

  /** Rotates now (rotate-role, timers). Throws the sanitized failure after scheduling a retry. */
  rotate(name: string): Promise<StaticRoleEntry> {
    return this.#engine.withLock(staticRoleStore.key(name), () => this.rotateLocked(name));
  }

  /** Rotates a role whose lock the caller holds. */
  async rotateLocked(name: string): Promise<StaticRoleEntry> {
    const storage = this.#engine.storage;
    const entry = await staticRoleStore.read(storage, name);
    if (entry === undefined) throw badRequest(`no static role named "${name}"`);
    // Step 1: the password to install is durable before the database sees it.
    const password =
      entry.pendingPassword ??
      (await this.#engine.password((await this.#engine.connection(entry.dbName)).entry));
    const pending: StaticRoleEntry = { ...entry, pendingPassword: password };
    if (entry.pendingPassword === undefined) await staticRoleStore.write(storage, name, pending);
    try {
      // Step 2.
      const { plugin } = await this.#engine.connection(entry.dbName);
      await plugin.setPassword({
        username: entry.username,
        password,
        statements: entry.rotationStatements,
      });
    } catch (error) {
      const failed: StaticRoleEntry = { ...pending, failures: (entry.failures ?? 0) + 1 };
      await staticRoleStore.write(storage, name, failed).catch(() => undefined);
      this.#logger.warn(
        { role: name, attempts: failed.failures, err: errorSummary(error) },
        'static role rotation failed; the previous password stays in use',
      );
      this.schedule(name, failed);
      throw error;
    }
    // Step 3: commit.
    const { pendingPassword: _done, failures: _reset, ...rest } = pending;
    const committed: StaticRoleEntry = { ...rest, password, lastRotationMs: this.#clock.now() };
    await staticRoleStore.write(storage, name, committed);
    this.#logger.info({ role: name }, 'static role password rotated');
    this.schedule(name, committed);
    return committed;
  }
}
