import { closeSync, openSync } from 'node:fs';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

import type { PhysicalStorage } from '../logical/storage.ts';
import { assertStorageKey, childOf, prefixUpperBound } from './keys.ts';
import { settle } from '../framework/settle.ts';

export interface SqliteStorageOptions {
  /** How long a statement waits for a lock held by another connection. Default 5000 ms. */
  busyTimeoutMs?: number;
}

/** Rows fetched per range query while listing; a folder jump starts a new query. */
const LIST_BATCH = 256;

/**
 * Embedded single-file physical storage on SQLite (`node:sqlite`): one table, key -> blob.
 *
 * Durability contract: when `put` or `delete` resolves, the change is committed and fsynced
 * (WAL journal with `synchronous=FULL`), so it survives the process being killed (kill -9) or
 * the machine losing power. Statements run synchronously on the calling thread; each one is its
 * own transaction.
 *
 * Keys are TEXT under BINARY collation, so the primary-key index orders them by UTF-8 bytes,
 * matching `compareKeys`; `list` walks that index with range queries and never reads values.
 */
export class SqliteStorage implements PhysicalStorage {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #get: StatementSync;
  readonly #put: StatementSync;
  readonly #delete: StatementSync;
  readonly #rangeFrom: StatementSync;
  readonly #rangeAfter: StatementSync;
  readonly #openFrom: StatementSync;
  readonly #openAfter: StatementSync;
  #closed = false;

  /** Opens (creating if needed) the database file at `path`. The parent directory must exist. */
  constructor(path: string, options: SqliteStorageOptions = {}) {
    this.path = path;
    // Create the file owner-only before SQLite does (it would use the umask, often 0644);
    // SQLite gives its -wal and -shm files the same mode as the database file.
    closeSync(openSync(path, 'a', 0o600));
    this.#db = new DatabaseSync(path);
    try {
      const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
      if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
        throw new RangeError('busyTimeoutMs must be a non-negative integer');
      }
      // busy_timeout first: switching to WAL itself needs a lock another process may hold.
      this.#db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
      this.#db.exec('PRAGMA journal_mode = WAL');
      this.#db.exec('PRAGMA synchronous = FULL');
      this.#db.exec(
        'CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID',
      );
      this.#get = this.#db.prepare('SELECT value FROM entries WHERE key = ?');
      this.#put = this.#db.prepare(
        'INSERT INTO entries (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      );
      this.#delete = this.#db.prepare('DELETE FROM entries WHERE key = ?');
      const range = (lower: '>=' | '>', bounded: boolean): StatementSync =>
        this.#db.prepare(
          `SELECT key FROM entries WHERE key ${lower} ?${bounded ? ' AND key < ?' : ''} ORDER BY key LIMIT ?`,
        );
      this.#rangeFrom = range('>=', true);
      this.#rangeAfter = range('>', true);
      this.#openFrom = range('>=', false);
      this.#openAfter = range('>', false);
    } catch (error) {
      this.#db.close();
      throw error;
    }
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.#run(() => {
      assertStorageKey(key);
      const row = this.#get.get(key);
      if (row === undefined) return undefined;
      const value = row['value'];
      if (!(value instanceof Uint8Array)) throw new Error('storage row holds a non-blob value');
      return value;
    });
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return this.#run(() => {
      assertStorageKey(key);
      this.#put.run(key, value);
    });
  }

  delete(key: string): Promise<void> {
    return this.#run(() => {
      assertStorageKey(key);
      this.#delete.run(key);
    });
  }

  /**
   * One-level list in index order. Leaves under the prefix are read in batches; on meeting a
   * deeper key `prefix + seg + '/...'` the scan reports `seg/` and seeks straight past the whole
   * folder (to `prefix + seg + '0'`, '0' being the code point after '/'), so listing a prefix
   * costs one index seek per folder plus one row per leaf, however large the folders are.
   */
  list(prefix: string): Promise<string[]> {
    return this.#run(() => {
      assertStorageKey(prefix);
      const upper = prefixUpperBound(prefix);
      const out: string[] = [];
      let cursor = prefix;
      let inclusive = true;
      for (;;) {
        const rows = this.#range(cursor, inclusive, upper);
        let jumped = false;
        for (const row of rows) {
          const key = row['key'];
          if (typeof key !== 'string') throw new Error('storage row holds a non-text key');
          const child = childOf(prefix, key);
          if (child?.endsWith('/') === true) {
            out.push(child);
            cursor = prefix + child.slice(0, -1) + '0';
            inclusive = true;
            jumped = true;
            break;
          }
          if (child !== undefined) out.push(child);
          cursor = key;
          inclusive = false;
        }
        if (!jumped && rows.length < LIST_BATCH) return out;
      }
    });
  }

  /** Idempotent. Checkpoints the WAL into the main file (SQLite does so on last close). */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#db.close();
    }
    return Promise.resolve();
  }

  #range(cursor: string, inclusive: boolean, upper: string | undefined): Record<string, unknown>[] {
    if (upper === undefined) {
      return (inclusive ? this.#openFrom : this.#openAfter).all(cursor, LIST_BATCH);
    }
    return (inclusive ? this.#rangeFrom : this.#rangeAfter).all(cursor, upper, LIST_BATCH);
  }

  #run<T>(operation: () => T): Promise<T> {
    return settle(() => {
      if (this.#closed) throw new Error('storage is closed');
      return operation();
    });
  }
}
