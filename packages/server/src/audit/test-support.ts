/**
 * Helpers for this folder's tests: requests and results as the pipeline hands them to the
 * sink, temporary directories, and a broker over in-memory storage. Not part of the public
 * surface.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@strongroom/protocol';
import type { AuditEntry, IssuedAuth, PipelineResult } from '../core/pipeline/types.ts';
import type { LogicalRequest, RequestAuth } from '../logical/request.ts';
import { StorageView } from '../logical/storage.ts';
import { MemoryStorage } from '../storage/memory.ts';
import { captureLogger } from '../test-support.ts';
import type { CapturedLogger } from '../test-support.ts';
import { AuditBroker } from './broker.ts';
import type { DeviceEnvironment } from './device.ts';

/** Values that must never appear in an audit line. */
export const MARKERS = {
  token: 'hvs.MARKERTOKEN0000000000000000000',
  accessor: 'MARKERACCESSOR00000000000',
  password: 'MARKER-PASSWORD-value',
  nested: 'MARKER-NESTED-value',
  listItem: 'MARKER-LIST-item',
  responseValue: 'MARKER-RESPONSE-value',
  issuedToken: 'hvs.MARKERISSUED000000000000000000',
  issuedAccessor: 'MARKERISSUEDACCESSOR00000',
} as const;

export const CALLER: RequestAuth = {
  accessor: MARKERS.accessor,
  tokenHash: 'token-hash-not-the-token',
  policies: ['default', 'app'],
  displayName: 'token-app',
  metadata: { role: 'app' },
  entityId: 'entity-1',
  root: false,
  numUses: 0,
};

export function request(overrides: Partial<LogicalRequest> = {}): LogicalRequest {
  return {
    id: 'req-0001',
    operation: 'update',
    path: 'secret/data/app',
    data: {
      password: MARKERS.password,
      nested: { deeper: MARKERS.nested, list: [MARKERS.listItem, 7], count: 5, on: true },
      nothing: null,
    },
    clientToken: MARKERS.token,
    remoteAddress: '127.0.0.1',
    mountPoint: 'secret/',
    mountType: 'kv',
    mountAccessor: 'kv_0001',
    auth: CALLER,
    ...overrides,
  };
}

export const ISSUED: IssuedAuth = {
  clientToken: MARKERS.issuedToken,
  accessor: MARKERS.issuedAccessor,
  policies: ['default', 'app'],
  tokenPolicies: ['app'],
  metadata: { role: 'app' },
  ttlMs: 3_600_000,
  renewable: true,
  entityId: '',
  tokenType: 'service',
  orphan: false,
  numUses: 0,
};

export function requestEntry(overrides: Partial<LogicalRequest> = {}): AuditEntry {
  return { request: request(overrides), auth: CALLER };
}

export function responseEntry(
  result: Partial<PipelineResult> = {},
  overrides: Partial<LogicalRequest> = {},
): AuditEntry {
  const full: PipelineResult = {
    response: { data: { value: MARKERS.responseValue, version: 3 }, warnings: ['a warning'] },
    mountType: 'kv',
    lease: { id: 'secret/creds/app/lease-1', ttlMs: 60_000, renewable: true },
    auth: ISSUED,
    ...result,
  };
  return { request: request(overrides), auth: CALLER, result: full, response: full.response };
}

export interface BrokerFixture {
  readonly broker: AuditBroker;
  readonly storage: StorageView;
  readonly physical: MemoryStorage;
  readonly clock: ManualClock;
  readonly log: CapturedLogger;
  readonly dir: string;
  /** A second broker over the same storage (a restart). */
  restart(): AuditBroker;
  cleanup(): Promise<void>;
}

export async function brokerFixture(
  environment: Partial<DeviceEnvironment> = {},
): Promise<BrokerFixture> {
  const physical = new MemoryStorage();
  const storage = new StorageView(physical, 'core/audit/');
  const clock = new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5));
  const log = captureLogger();
  const dir = await mkdtemp(join(tmpdir(), 'strongroom-audit-'));
  const make = (): AuditBroker =>
    new AuditBroker({ storage, clock, logger: log.logger, environment });
  return {
    broker: make(),
    storage,
    physical,
    clock,
    log,
    dir,
    restart: make,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The JSON lines of a file (empty when it does not exist). */
export async function readLines(path: string): Promise<Record<string, unknown>[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Asserts-friendly: which markers occur in `text`. */
export function leakedMarkers(text: string): string[] {
  return Object.values(MARKERS).filter((marker) => text.includes(marker));
}

/** Reads a nested property for assertions. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}
