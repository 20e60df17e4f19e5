/**
 * FileProvider: secrets from one JSON or dotenv file.
 *
 * Addressing. A JSON file must hold an object. Path `db` reads its key `db`; a path that is not
 * itself a top-level key is split on `separator` (default `/`, so `db/password` reads
 * `{"db": {"password": ...}}`; set `.` for `db.password`). A dotenv file is flat: path
 * `DB_PASSWORD` reads that key, and a path that is not a key falls back to the EnvProvider's
 * derivation, so `db/password` also reads `DB_PASSWORD` and a `.env` file can stand in for the
 * environment. Strings are returned as strings, objects as objects, numbers and booleans as
 * their string form; null and arrays are not secret values (`SecretsError('unsupported_value')`).
 *
 * Reads. The file is read at every fetch (the manager caches). It has no version of its own, so
 * none is reported and the manager derives one from the value.
 *
 * Errors. A missing or unparseable file is `FileUnavailableError`, transient: the usual causes
 * are a sidecar that has not written the file yet and a non-atomic writer caught mid-write, and
 * the right response to both is the last good value within the manager's staleness bound. A
 * missing key is `SecretNotFoundError`; an unreadable file (EACCES) is `PermissionDeniedError`.
 * No error message, cause or callback ever carries file contents: JSON.parse's message quotes
 * its input, so parse failures are reported without it.
 *
 * Watching. `watch` uses one `fs.watch` on the containing directory (a watch on the file itself
 * would follow the old inode and miss an editor's write-temp-then-rename), debounced on the
 * injected clock. After the debounce it re-reads and calls back only for subscribers whose value
 * changed. A file that is briefly absent (delete-then-write replacement) produces no callback.
 */
import { watch as fsWatch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { systemClock } from '@strongroom/protocol';
import type { Clock, Timer } from '@strongroom/protocol';
import {
  PermissionDeniedError,
  ProviderUnavailableError,
  SecretNotFoundError,
  SecretsError,
} from '../errors.ts';
import type {
  FetchOptions,
  FetchedSecret,
  SecretData,
  SecretProvider,
  WatchCallback,
} from '../provider.ts';
import { DotenvSyntaxError, parseDotenv } from './dotenv.ts';
import { envVarName } from './env-provider.ts';

export type FileFormat = 'json' | 'dotenv';

export interface FileProviderOptions {
  /** The file to read; resolved against the working directory at construction. */
  readonly file: string;
  /** Default: `json` when the file name ends in `.json` (any case), otherwise `dotenv`. */
  readonly format?: FileFormat;
  /** Separator of nested JSON keys in a path; default `/`. */
  readonly separator?: string;
  /** Quiet time after the last file event before re-reading; default 100 ms. */
  readonly debounceMs?: number;
  /** Clock for the debounce; default the system clock. */
  readonly clock?: Clock;
  /** Cache lifetime to report with every value; omitted by default. */
  readonly ttlMs?: number;
  /** Provider name in events and errors; default `"file"`. */
  readonly name?: string;
}

/**
 * The file is missing or cannot be parsed. Transient (see the module comment). The message names
 * the file and, for dotenv, the line; never its contents.
 */
export class FileUnavailableError extends ProviderUnavailableError {
  readonly file: string;
  readonly reason: 'missing' | 'unparseable';
  constructor(
    file: string,
    reason: 'missing' | 'unparseable',
    message: string,
    options?: { path?: string },
  ) {
    super(message, options);
    this.name = 'FileUnavailableError';
    this.file = file;
    this.reason = reason;
  }
}

type Document =
  | { readonly format: 'json'; readonly data: Readonly<Record<string, unknown>> }
  | { readonly format: 'dotenv'; readonly data: Readonly<Record<string, string>> };

type Lookup =
  | { readonly kind: 'value'; readonly value: SecretData }
  | { readonly kind: 'missing' }
  | { readonly kind: 'unsupported' };

/** What a subscriber last observed; a callback fires only when this changes. */
type Observed =
  | { readonly kind: 'value'; readonly canonical: string }
  | { readonly kind: 'missing' }
  | { readonly kind: 'error' };

interface Subscriber {
  readonly path: string;
  readonly callback: WatchCallback;
  /** Undefined until the first read: that read sets the baseline without calling back. */
  last: Observed | undefined;
}

export class FileProvider implements SecretProvider {
  readonly name: string;
  /** The absolute path of the file. */
  readonly file: string;
  readonly format: FileFormat;
  readonly #separator: string;
  readonly #debounceMs: number;
  readonly #clock: Clock;
  readonly #ttlMs: number | undefined;

  readonly #subscribers = new Set<Subscriber>();
  /** Canonical form of the value each path last returned from fetch: a new watch's baseline. */
  readonly #lastServed = new Map<string, string>();
  /** Aborts watch re-reads on close. */
  readonly #closing = new AbortController();
  #watcher: FSWatcher | undefined;
  #debounce: Timer | undefined;
  /** Re-reads run one at a time, in order, so a slow old read never overtakes a newer one. */
  #refreshes: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: FileProviderOptions) {
    this.name = options.name ?? 'file';
    this.file = resolve(options.file);
    this.format = options.format ?? (/\.json$/i.test(this.file) ? 'json' : 'dotenv');
    this.#separator = options.separator ?? '/';
    if (this.#separator === '') throw new RangeError('separator must not be empty');
    this.#debounceMs = options.debounceMs ?? 100;
    if (!Number.isFinite(this.#debounceMs) || this.#debounceMs < 0) {
      throw new RangeError('debounceMs must be a finite ms >= 0');
    }
    this.#clock = options.clock ?? systemClock;
    this.#ttlMs = options.ttlMs;
  }

  async fetch(path: string, options: FetchOptions): Promise<FetchedSecret> {
    const { signal } = options;
    signal.throwIfAborted();
    const text = await this.#read(path, signal);
    if (text === undefined) {
      throw new FileUnavailableError(
        this.file,
        'missing',
        `file "${this.file}" of provider "${this.name}" does not exist`,
        { path },
      );
    }
    const found = this.#lookup(this.#parse(text, path), path);
    if (found.kind !== 'value') throw this.#lookupError(found, path);
    const { value } = found;
    this.#lastServed.set(path, canonicalJson(value));
    return this.#ttlMs === undefined ? { value } : { value, ttlMs: this.#ttlMs };
  }

  /**
   * Calls `callback` when the value at `path` changes in the file: with the new value, with
   * `{ error: SecretNotFoundError }` when the key disappears, and with `{ error }` when the file
   * becomes unparseable or unreadable. Each state is reported once on entry (a file that stays
   * broken across several writes is one error callback). The baseline is the value `fetch` last
   * returned for `path`, when there was one, so a change between that fetch and this call is
   * still reported; otherwise it is the file as first read (one debounce period) after this call.
   *
   * If the directory cannot be watched (or the watch fails later), subscribers get
   * `{ error: ProviderUnavailableError }` and no further pushes until the next `watch` call
   * re-arms the watcher.
   */
  watch(path: string, callback: WatchCallback): () => void {
    if (this.#closed) return () => undefined;
    const served = this.#lastServed.get(path);
    const subscriber: Subscriber = {
      path,
      callback,
      last: served === undefined ? undefined : { kind: 'value', canonical: served },
    };
    this.#subscribers.add(subscriber);
    this.#arm();
    // Reconcile the baseline with the file, which may have changed since the last fetch. This
    // goes through the debounce like any event, so a write racing this call is read once, whole.
    this.#schedule();
    return () => {
      if (!this.#subscribers.delete(subscriber)) return;
      if (this.#subscribers.size === 0) this.#disarm();
    };
  }

  /** Stops watching, cancels the debounce and abandons pending re-reads. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#subscribers.clear();
    this.#disarm();
    this.#closing.abort();
  }

  // --- Reading and addressing ------------------------------------------------------------------

  /** The file's text, or undefined when it does not exist. Other failures are mapped errors. */
  async #read(path: string | undefined, signal: AbortSignal): Promise<string | undefined> {
    try {
      return await readFile(this.file, { encoding: 'utf8', signal });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const code = (error as { code?: unknown }).code;
      if (code === 'ENOENT') return undefined;
      if ((code === 'EACCES' || code === 'EPERM') && path !== undefined) {
        throw new PermissionDeniedError(path, this.name);
      }
      // The cause is an fs error: it names the file and syscall, never contents.
      throw new ProviderUnavailableError(
        `reading file "${this.file}" of provider "${this.name}" failed${typeof code === 'string' ? ` (${code})` : ''}`,
        path === undefined ? { cause: error } : { path, cause: error },
      );
    }
  }

  #parse(text: string, path: string | undefined): Document {
    const fail = (detail: string): FileUnavailableError =>
      new FileUnavailableError(
        this.file,
        'unparseable',
        `file "${this.file}" of provider "${this.name}" ${detail}`,
        path === undefined ? {} : { path },
      );
    if (this.format === 'dotenv') {
      try {
        return { format: 'dotenv', data: parseDotenv(text) };
      } catch (error) {
        // DotenvSyntaxError messages carry a line number and never contents, by contract.
        if (error instanceof DotenvSyntaxError) throw fail(`is not valid dotenv: ${error.message}`);
        throw fail('is not valid dotenv');
      }
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      // Deliberately no cause and no message: V8 quotes the input in JSON.parse errors.
      throw fail('is not valid JSON');
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw fail('does not hold a JSON object');
    }
    return { format: 'json', data: data as Record<string, unknown> };
  }

  #lookup(document: Document, path: string): Lookup {
    if (document.format === 'dotenv') {
      const { data } = document;
      if (Object.hasOwn(data, path)) return { kind: 'value', value: data[path] as string };
      const derived = envVarName(path);
      if (Object.hasOwn(data, derived)) return { kind: 'value', value: data[derived] as string };
      return { kind: 'missing' };
    }
    let node: unknown = document.data;
    const segments = Object.hasOwn(document.data, path) ? [path] : path.split(this.#separator);
    for (const segment of segments) {
      if (!isPlainObject(node) || !Object.hasOwn(node, segment)) return { kind: 'missing' };
      node = node[segment];
    }
    if (typeof node === 'string') return { kind: 'value', value: node };
    if (typeof node === 'number' || typeof node === 'boolean') {
      return { kind: 'value', value: String(node) };
    }
    if (isPlainObject(node)) return { kind: 'value', value: node };
    return { kind: 'unsupported' };
  }

  /** The error for a lookup that found no usable value. */
  #lookupError(found: Exclude<Lookup, { kind: 'value' }>, path: string): SecretsError {
    switch (found.kind) {
      case 'missing':
        return new SecretNotFoundError(path, this.name);
      case 'unsupported':
        return new SecretsError(
          'unsupported_value',
          `the value of "${path}" in file "${this.file}" of provider "${this.name}" is neither a string nor an object`,
          { path },
        );
    }
  }

  // --- Watching --------------------------------------------------------------------------------

  #arm(): void {
    if (this.#watcher !== undefined) return;
    const name = basename(this.file);
    try {
      // persistent: false, so a watch never keeps the process alive (as timers never do).
      this.#watcher = fsWatch(dirname(this.file), { persistent: false }, (_event, filename) => {
        // Some platforms omit the name; then any event in the directory may be ours.
        if (filename === null || filename === name) this.#schedule();
      });
    } catch (error) {
      this.#watchFailed(error);
      return;
    }
    this.#watcher.on('error', (error) => {
      this.#watchFailed(error);
    });
  }

  #disarm(): void {
    this.#debounce?.cancel();
    this.#debounce = undefined;
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  #watchFailed(cause: unknown): void {
    this.#disarm();
    const error = new ProviderUnavailableError(
      `watching file "${this.file}" of provider "${this.name}" failed`,
      { cause },
    );
    // Asynchronously, so no callback runs inside `watch()` itself.
    queueMicrotask(() => {
      this.#notify([...this.#subscribers], () => ({ error }));
    });
  }

  /** Trailing debounce: every event restarts the quiet period. */
  #schedule(): void {
    if (this.#closed) return;
    this.#debounce?.cancel();
    this.#debounce = this.#clock.setTimer(() => {
      this.#debounce = undefined;
      this.#enqueueRefresh();
    }, this.#debounceMs);
  }

  #enqueueRefresh(): void {
    this.#refreshes = this.#refreshes.then(() => this.#refresh()).catch(() => undefined);
  }

  /** Re-reads the file and calls back every subscriber whose observed state changed. */
  async #refresh(): Promise<void> {
    if (this.#closed || this.#subscribers.size === 0) return;
    let document: Document | undefined;
    let fileError: unknown;
    try {
      const text = await this.#read(undefined, this.#closing.signal);
      // Absent mid-replacement: wait for the event that brings it back, report nothing.
      if (text === undefined) return;
      document = this.#parse(text, undefined);
    } catch (error) {
      fileError = error;
    }
    // Closed while reading (checked through the signal: the flag was narrowed before the await).
    if (this.#closing.signal.aborted) return;

    for (const subscriber of [...this.#subscribers]) {
      let observed: Observed;
      let update: Parameters<WatchCallback>[0];
      if (document === undefined) {
        observed = { kind: 'error' };
        update = { error: fileError };
      } else {
        const found = this.#lookup(document, subscriber.path);
        if (found.kind === 'value') {
          observed = { kind: 'value', canonical: canonicalJson(found.value) };
          update =
            this.#ttlMs === undefined
              ? { value: found.value }
              : { value: found.value, ttlMs: this.#ttlMs };
        } else {
          observed = found.kind === 'missing' ? { kind: 'missing' } : { kind: 'error' };
          update = { error: this.#lookupError(found, subscriber.path) };
        }
      }
      const previous = subscriber.last;
      subscriber.last = observed;
      if (previous === undefined || sameObserved(previous, observed)) continue;
      this.#notify([subscriber], () => update);
    }
  }

  #notify(subscribers: readonly Subscriber[], update: () => Parameters<WatchCallback>[0]): void {
    for (const subscriber of subscribers) {
      // Unsubscribed or closed while earlier callbacks ran: no late delivery.
      if (!this.#subscribers.has(subscriber)) continue;
      try {
        subscriber.callback(update());
      } catch {
        // A throwing callback must not starve the other subscribers. The contract gives
        // callbacks no error channel, so the error is dropped: callbacks handle their own.
      }
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameObserved(a: Observed, b: Observed): boolean {
  if (a.kind === 'value' && b.kind === 'value') return a.canonical === b.canonical;
  return a.kind === b.kind;
}

/** JSON with object keys sorted, so key order in the file is not mistaken for a change. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isPlainObject(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
