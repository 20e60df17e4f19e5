import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type { PhysicalStorage } from '../logical/storage.ts';
import { MemoryStorage } from './memory.ts';
import { settle } from '../framework/settle.ts';
import { SqliteStorage } from './sqlite.ts';

/**
 * Storage types accepted from a Vault-style `storage "<type>" { ... }` block.
 * `file` and `raft` are Vault's names; both open our embedded SQLite store, because what an
 * operator asks of them is "a durable store in this directory on this machine".
 */
export type PhysicalStorageKind = 'inmem' | 'file' | 'sqlite' | 'raft';

export const PHYSICAL_STORAGE_KINDS: readonly PhysicalStorageKind[] = [
  'inmem',
  'file',
  'sqlite',
  'raft',
];

/** The database file created inside a `file` or `raft` storage directory. */
export const DEFAULT_DATABASE_FILE = 'strongroom.db';

export interface PhysicalStorageOptions {
  /**
   * `file` and `raft`: a directory (created, mode 0700, when missing) that will hold
   * `strongroom.db`, or an existing database file. `sqlite`: the database file itself (its
   * directory is created when missing), or an existing directory to hold `strongroom.db`.
   * Ignored by `inmem`.
   */
  path?: string;
  /** SQLite busy timeout; see `SqliteStorageOptions`. */
  busyTimeoutMs?: number;
}

export function isPhysicalStorageKind(value: string): value is PhysicalStorageKind {
  return (PHYSICAL_STORAGE_KINDS as readonly string[]).includes(value);
}

/**
 * The database file a `file`/`raft`/`sqlite` storage opens, creating missing directories.
 * An existing directory holds `strongroom.db`; an existing file is the database. A missing path
 * is a directory to create for `file` and `raft` (Vault's meaning), the file itself for `sqlite`.
 */
export function resolveDatabasePath(kind: 'file' | 'sqlite' | 'raft', path: string): string {
  if (path === '') throw new Error(`storage "${kind}": "path" must be set`);
  const existing = statSync(path, { throwIfNoEntry: false });
  if (existing?.isFile() === true || (kind === 'sqlite' && existing === undefined)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    return path;
  }
  if (existing !== undefined && !existing.isDirectory()) {
    throw new Error(`storage "${kind}": "path" is neither a directory nor a file: ${path}`);
  }
  mkdirSync(path, { recursive: true, mode: 0o700 });
  return join(path, DEFAULT_DATABASE_FILE);
}

/** Opens the physical storage a server configuration names. The caller owns `close()`. */
export function openPhysicalStorage(
  kind: PhysicalStorageKind,
  options: PhysicalStorageOptions = {},
): Promise<PhysicalStorage> {
  return settle((): PhysicalStorage => {
    switch (kind) {
      case 'inmem':
        return new MemoryStorage();
      case 'file':
      case 'sqlite':
      case 'raft': {
        if (options.path === undefined) {
          throw new Error(`storage "${kind}": "path" must be set`);
        }
        const file = resolveDatabasePath(kind, options.path);
        return new SqliteStorage(
          file,
          options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs },
        );
      }
      default: {
        // Configuration arrives as text; refuse what the type does not admit.
        const unknown: never = kind;
        throw new Error(`unsupported storage type "${String(unknown)}"`);
      }
    }
  });
}
