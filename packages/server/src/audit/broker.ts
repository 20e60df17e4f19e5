/**
 * The audit broker: the pipeline's `AuditSink`, holding the enabled devices.
 *
 * Fail-closed, as Vault: with devices enabled, a request or response is recorded when at least
 * one device wrote it; when none could, `logRequest`/`logResponse` reject and the pipeline refuses
 * the request. With no device enabled nothing is required. A device that failed is tried again on
 * the next record (and reopened on its next write), so it rejoins without operator action.
 *
 * Every device formats its own lines with its own salt (see `hmac.ts`); a raw token or value is
 * never written, logged, or put in an error. Enable and disable are serialised with `load` and
 * `close` so the persisted table and the live devices never disagree.
 */
import { hostname } from 'node:os';
import { systemClock } from '@strongroom/protocol';
import type { Clock } from '@strongroom/protocol';
import type { Logger } from 'pino';
import type { AuditEntry, AuditSink } from '../core/pipeline/types.ts';
import { LogicalError } from '../logical/errors.ts';
import type { Storage } from '../logical/storage.ts';
import { normaliseAuditPath, readAuditTable, writeAuditTable } from './audit-table.ts';
import type { AuditTableEntry } from './audit-table.ts';
import { createDevice, isAuditDeviceType, unknownDeviceType } from './device.ts';
import type { AuditDevice, DeviceEnvironment } from './device.ts';
import { formatRequestRecord, formatResponseRecord, sharedBlocks } from './format.ts';
import type { CallerBlock, FormatOptions, SharedBlocks } from './format.ts';
import { ClockCache } from '../framework/clock-cache.ts';
import { settle } from '../framework/settle.ts';
import { generateSalt, hasherFor } from './hmac.ts';
import type { HashedJsonMemo, Hasher } from './hmac.ts';
import { SerialQueue, describeIoError } from './io.ts';
import { parseCommonOptions, toDeviceOptions } from './options.ts';
import type { CommonOptions } from './options.ts';

export interface AuditBrokerOptions {
  /** Where the audit table lives: a view inside the barrier (the core passes `core/audit/`). */
  readonly storage: Storage;
  readonly clock?: Clock;
  /** Device failures are reported here (device path, type and an I/O code; never a record). */
  readonly logger?: Logger;
  /** Process resources devices use; defaults: process.stdout, `/dev/log`, the host name. */
  readonly environment?: Partial<DeviceEnvironment>;
}

/** An enabled device as `sys/audit` lists it (no salt). */
export interface AuditDeviceInfo {
  readonly path: string;
  readonly type: string;
  readonly description: string;
  readonly options: Readonly<Record<string, string>>;
  readonly local: boolean;
}

export interface EnableAuditInput {
  readonly path: string;
  readonly type: string;
  readonly description?: string;
  readonly options?: Readonly<Record<string, unknown>>;
  readonly local?: boolean;
}

/** No enabled device could record a request or response. */
export class AuditFailedError extends Error {
  readonly code = 'audit_failed';
  constructor(message: string) {
    super(message);
    this.name = 'AuditFailedError';
  }
}

interface ActiveDevice {
  readonly entry: AuditTableEntry;
  readonly device: AuditDevice;
  readonly common: CommonOptions;
  readonly hash: Hasher;
  /** The hashed text of frozen data (see `hashedJson`). */
  readonly memo: HashedJsonMemo;
  /** Callers' hashed tokens and `auth` blocks, by token hash (see `CallerBlock`). */
  readonly callers: ClockCache<string, CallerBlock>;
  /** The options of the last record's millisecond, reused by records of the same one. */
  formatting: FormatOptions | undefined;
}

type RecordKind = 'request' | 'response';

/** Callers whose audit blocks a device keeps (a few hundred bytes each). */
const CALLER_CACHE_ENTRIES = 4096;

export class AuditBroker implements AuditSink {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #env: DeviceEnvironment;
  /** Table changes, load and close, one at a time. */
  readonly #lock = new SerialQueue();
  /** Enabled devices by path. Replaced, never mutated, so a record in flight sees one set. */
  #devices: ReadonlyMap<string, ActiveDevice> = new Map();
  #timeMs = Number.NaN;
  #time = '';
  /** The same devices as a list, replaced with #devices (every record iterates them). */
  #deviceList: readonly ActiveDevice[] = [];

  constructor(options: AuditBrokerOptions) {
    this.#storage = options.storage;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#env = {
      stdout: options.environment?.stdout ?? process.stdout,
      syslogSocketPath: options.environment?.syslogSocketPath ?? '/dev/log',
      hostname: options.environment?.hostname ?? hostname(),
    };
  }

  // ------------------------------------------------------------------ sink

  logRequest(entry: AuditEntry): Promise<void> {
    return this.#record('request', entry);
  }

  logResponse(entry: AuditEntry): Promise<void> {
    return this.#record('response', entry);
  }

  /** Whether any device is enabled (with none, requests are not audited and nothing fails). */
  get recording(): boolean {
    return this.#deviceList.length > 0;
  }

  // ------------------------------------------------------------ lifecycle

  /**
   * Re-enables the persisted devices (after unseal). Idempotent: devices already open are closed
   * first. A device whose destination cannot be opened now stays enabled and keeps failing its
   * writes until it can: auditing is never silently dropped because a file went missing.
   */
  load(): Promise<void> {
    return this.#lock.run(async () => {
      await this.#closeAll();
      const table = await readAuditTable(this.#storage);
      const devices = new Map<string, ActiveDevice>();
      for (const entry of table) {
        const active = this.#build(entry);
        try {
          await active.device.open();
        } catch (error) {
          this.#logger?.error(
            { path: entry.path, type: entry.type, reason: describeIoError(error) },
            'audit device could not be opened; requests need another device until it can',
          );
        }
        devices.set(entry.path, active);
      }
      this.#setDevices(devices);
    });
  }

  /** Closes every device (on seal). The table stays persisted for the next `load`. */
  close(): Promise<void> {
    return this.#lock.run(() => this.#closeAll());
  }

  /**
   * Reopens every device's destination (SIGHUP, after log rotation). Never rejects: a device that
   * cannot reopen is reported and retried on its next write.
   */
  async reopen(): Promise<void> {
    await Promise.all(
      [...this.#devices.values()].map(async ({ entry, device }) => {
        try {
          await device.reopen();
        } catch (error) {
          this.#logger?.error(
            { path: entry.path, type: entry.type, reason: describeIoError(error) },
            'audit device could not be reopened',
          );
        }
      }),
    );
  }

  // ----------------------------------------------------------- management

  /** The enabled devices, by path. */
  list(): AuditDeviceInfo[] {
    return [...this.#devices.values()]
      .map(({ entry }) => ({
        path: entry.path,
        type: entry.type,
        description: entry.description,
        options: { ...entry.options },
        local: entry.local,
      }))
      .sort((a, b) => a.path.localeCompare(b.path));
  }

  /**
   * Enables a device. Its options are validated and its destination opened first (a socket with
   * `skip_test=true` excepted); any failure is a 400 and nothing is stored. A new salt is made
   * for every enable, so re-enabling a path yields hashes unlike the old ones.
   */
  enable(input: EnableAuditInput): Promise<AuditDeviceInfo> {
    return this.#lock.run(async () => {
      const path = normaliseAuditPath(input.path);
      if (path === '') throw new LogicalError('missing_field', 400, 'missing audit path');
      if (input.type === '') throw new LogicalError('missing_field', 400, 'missing audit type');
      if (!isAuditDeviceType(input.type)) throw unknownDeviceType(input.type);
      for (const existing of this.#devices.keys()) {
        if (existing.startsWith(path) || path.startsWith(existing)) {
          throw new LogicalError('bad_request', 400, `path already in use: "${path}"`);
        }
      }
      const options = toDeviceOptions(input.options ?? {});
      const entry: AuditTableEntry = {
        path,
        type: input.type,
        description: input.description ?? '',
        options,
        local: input.local ?? false,
        salt: generateSalt(),
      };
      const active = this.#build(entry, { strict: true });
      if (active.entry.type !== 'socket' || !active.common.skipTest) {
        try {
          await active.device.open();
        } catch (error) {
          await active.device.close().catch(() => undefined);
          throw new LogicalError('bad_request', 400, describeIoError(error));
        }
      }
      const next = new Map(this.#devices);
      next.set(path, active);
      try {
        await writeAuditTable(
          this.#storage,
          [...next.values()].map((device) => device.entry),
        );
      } catch (error) {
        await active.device.close().catch(() => undefined);
        throw error;
      }
      this.#setDevices(next);
      return this.list().find((info) => info.path === path) ?? { ...entry };
    });
  }

  /** Disables a device: it stops receiving records at once. Succeeds when none is at `path`. */
  disable(path: string): Promise<void> {
    return this.#lock.run(async () => {
      const key = normaliseAuditPath(path);
      const active = this.#devices.get(key);
      if (active === undefined) return;
      const next = new Map(this.#devices);
      next.delete(key);
      await writeAuditTable(
        this.#storage,
        [...next.values()].map((device) => device.entry),
      );
      this.#setDevices(next);
      await active.device.close().catch(() => undefined);
    });
  }

  /** `input` as the device at `path` writes it (`sys/audit-hash`). */
  hash(path: string, input: string): string {
    const active = this.#devices.get(normaliseAuditPath(path));
    if (active === undefined) {
      throw new LogicalError('bad_request', 400, `unknown audit backend "${path}"`);
    }
    return active.hash(input);
  }

  // ------------------------------------------------------------- internals

  #setDevices(devices: ReadonlyMap<string, ActiveDevice>): void {
    this.#devices = devices;
    this.#deviceList = [...devices.values()];
  }

  #record(kind: RecordKind, entry: AuditEntry): Promise<void> {
    const devices = this.#deviceList;
    if (devices.length === 0) return Promise.resolve();
    const now = this.#clock.now();
    // Records of the same millisecond (most, under load) share one formatted time.
    if (now !== this.#timeMs) {
      this.#timeMs = now;
      this.#time = new Date(now).toISOString();
    }
    const only = devices.length === 1 ? devices[0] : undefined;
    if (only !== undefined) {
      // One device, the common case: its write's promise, with no list to settle.
      return this.#writeTo(only, kind, entry, now).then(undefined, (error: unknown) => {
        this.#reportFailure(kind, entry, only, error);
        this.#refuse(kind, entry, devices.length);
      });
    }
    return this.#recordAll(devices, kind, entry, now);
  }

  async #recordAll(
    devices: readonly ActiveDevice[],
    kind: RecordKind,
    entry: AuditEntry,
    now: number,
  ): Promise<void> {
    const results = await Promise.allSettled(
      devices.map((active) => this.#writeTo(active, kind, entry, now)),
    );
    let recorded = 0;
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') {
        recorded += 1;
        return;
      }
      const device = devices[index];
      if (device !== undefined) this.#reportFailure(kind, entry, device, result.reason);
    });
    if (recorded === 0) this.#refuse(kind, entry, devices.length);
  }

  /** Formats the record for one device and hands it over; a formatting error rejects too. */
  #writeTo(active: ActiveDevice, kind: RecordKind, entry: AuditEntry, now: number): Promise<void> {
    return settle(() => {
      const options = formatOptionsFor(active, this.#time);
      const shared = sharedFor(entry, active, options);
      const line =
        kind === 'request'
          ? formatRequestRecord(entry, shared, options)
          : formatResponseRecord(entry, shared, options);
      return active.device.write(active.common.prefix + line, now);
    });
  }

  #reportFailure(kind: RecordKind, entry: AuditEntry, device: ActiveDevice, error: unknown): void {
    this.#logger?.warn(
      {
        path: device.entry.path,
        type: device.entry.type,
        requestId: entry.request.id,
        reason: describeIoError(error),
      },
      `audit device failed to record a ${kind}`,
    );
  }

  #refuse(kind: RecordKind, entry: AuditEntry, enabled: number): never {
    this.#logger?.error(
      { requestId: entry.request.id, devices: enabled },
      `no audit device could record the ${kind}; refusing the request`,
    );
    throw new AuditFailedError(
      `no enabled audit device could record the ${kind} (${enabled} enabled)`,
    );
  }

  /**
   * The live device for a table entry. When `strict`, bad options throw (enable answers 400);
   * otherwise (load) an entry that cannot be built becomes a device that fails every write, so
   * the request path stays fail-closed.
   */
  #build(entry: AuditTableEntry, options: { strict: boolean } = { strict: false }): ActiveDevice {
    try {
      if (!isAuditDeviceType(entry.type)) throw unknownDeviceType(entry.type);
      return {
        entry,
        device: createDevice(entry.type, entry.options, this.#env),
        common: parseCommonOptions(entry.options),
        ...hashingFor(entry.salt),
      };
    } catch (error) {
      if (options.strict) throw error;
      const detail = error instanceof Error ? error.message : 'unknown error';
      const reason = `audit device "${entry.path}" is misconfigured: ${detail}`;
      return {
        entry,
        device: failingDevice(reason),
        common: { prefix: '', hmacAccessor: true, elideListResponses: false, skipTest: false },
        ...hashingFor(entry.salt),
      };
    }
  }

  async #closeAll(): Promise<void> {
    const devices = this.#deviceList;
    this.#setDevices(new Map());
    await Promise.all(devices.map(({ device }) => device.close().catch(() => undefined)));
  }
}

/** What a device hashes with: its salt's hasher and the caches of what that hasher made. */
function hashingFor(salt: string): Pick<ActiveDevice, 'hash' | 'memo' | 'callers' | 'formatting'> {
  return {
    hash: hasherFor(salt),
    memo: new WeakMap(),
    callers: new ClockCache({ maxEntries: CALLER_CACHE_ENTRIES }),
    formatting: undefined,
  };
}

/** How `active` formats a record written at `time`. */
function formatOptionsFor(active: ActiveDevice, time: string): FormatOptions {
  let options = active.formatting;
  if (options?.time !== time) {
    options = {
      hash: active.hash,
      memo: active.memo,
      hmacAccessor: active.common.hmacAccessor,
      elideListResponses: active.common.elideListResponses,
      time,
    };
    active.formatting = options;
  }
  return options;
}

function failingDevice(reason: string): AuditDevice {
  const fail = (): Promise<void> => Promise.reject(new Error(reason));
  return { open: fail, write: fail, reopen: fail, close: () => Promise.resolve() };
}

/**
 * The blocks both records of a request share (its `auth` and `request`), built once per request
 * and device and kept on the request's trail; built afresh for an entry without one.
 */
function sharedFor(entry: AuditEntry, active: ActiveDevice, options: FormatOptions): SharedBlocks {
  const trail = entry.trail;
  if (trail === undefined) return sharedBlocks(entry.request, entry.auth, options, active.callers);
  let byDevice = trail.shared as Map<ActiveDevice, SharedBlocks> | undefined;
  let shared = byDevice?.get(active);
  if (shared === undefined) {
    shared = sharedBlocks(entry.request, entry.auth, options, active.callers);
    byDevice ??= new Map();
    byDevice.set(active, shared);
    trail.shared = byDevice;
  }
  return shared;
}
