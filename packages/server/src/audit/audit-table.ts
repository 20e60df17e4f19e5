/**
 * The audit table: which devices are enabled, persisted in the barrier as one JSON document.
 *
 * Each entry keeps the device's salt, so hashes stay comparable across restarts. The salt is a
 * secret (anyone holding it can test guesses against the log): it lives only in the encrypted
 * barrier and in memory, and is never listed or logged.
 */
import { getJson, putJson } from '../logical/storage.ts';
import type { Storage } from '../logical/storage.ts';
import type { AuditDeviceType } from './device.ts';

export interface AuditTableEntry {
  /** With trailing slash, no leading slash (`file/`, `team/audit/`). */
  readonly path: string;
  readonly type: AuditDeviceType;
  readonly description: string;
  readonly options: Readonly<Record<string, string>>;
  readonly local: boolean;
  /** HMAC key of the device, hex. */
  readonly salt: string;
}

interface StoredTable {
  readonly version: 1;
  readonly entries: readonly AuditTableEntry[];
}

/** The key of the table inside the broker's storage view. */
export const AUDIT_TABLE_KEY = 'table';

/** The persisted entries; empty when none were ever stored. */
export async function readAuditTable(storage: Storage): Promise<AuditTableEntry[]> {
  const stored = await getJson<StoredTable>(storage, AUDIT_TABLE_KEY);
  if (stored === undefined) return [];
  // Entries are returned as stored, whatever their type: dropping one the broker cannot build
  // would silently stop auditing to it, so the broker keeps it as a failing device instead.
  return [...stored.entries];
}

/** Replaces the persisted table. Durable once the promise resolves. */
export async function writeAuditTable(
  storage: Storage,
  entries: readonly AuditTableEntry[],
): Promise<void> {
  const table: StoredTable = { version: 1, entries };
  await putJson(storage, AUDIT_TABLE_KEY, table);
}

/** `file`, `/file`, `file/` -> `file/`. Empty stays empty (the caller refuses it). */
export function normaliseAuditPath(path: string): string {
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}
