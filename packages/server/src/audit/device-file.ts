/**
 * The `file` audit device: appends one line per record to a file, or writes to standard output
 * (`file_path=stdout`), or drops records (`file_path=discard`, for tests and benchmarks).
 *
 * Each line goes to the file in one `write` on a descriptor opened for appending, so concurrent
 * writers (and a log shipper reading the file) never see half-interleaved lines. `reopen()`
 * closes and reopens the path: after a rotation tool renames the file, new records go to a new
 * file at the configured path (Vault does this on SIGHUP).
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { atTurnEnd } from '../framework/turn-end.ts';
import type { AuditDevice, DeviceEnvironment } from './device.ts';
import { SerialQueue, describeIoError } from './io.ts';
import { invalidOption, parseModeOption } from './options.ts';
import type { DeviceOptions } from './options.ts';

/** The mode a new audit file is created with when the `mode` option is "0000". */
const CREATE_MODE = 0o600;

export class FileDevice implements AuditDevice {
  /** 'stdout', 'discard' or an absolute file path. */
  readonly #target: string;
  /** 0 = leave the file's mode alone. */
  readonly #mode: number;
  readonly #stdout: NodeJS.WritableStream;
  readonly #queue = new SerialQueue();
  #handle: FileHandle | undefined;
  /** The lines waiting for the next write, and the promise their callers wait on. */
  #pending: PendingBatch | undefined;

  constructor(options: DeviceOptions, env: DeviceEnvironment) {
    // `path` is the older name of the option, still accepted by Vault.
    const filePath = options.file_path ?? options.path ?? '';
    if (filePath === '') throw invalidOption('option "file_path" is required');
    this.#target = filePath === 'stdout' || filePath === 'discard' ? filePath : resolve(filePath);
    this.#mode = parseModeOption(options);
    this.#stdout = env.stdout;
  }

  open(): Promise<void> {
    if (this.#target === 'stdout' || this.#target === 'discard') return Promise.resolve();
    return this.#queue.run(async () => {
      await this.#openNow();
    });
  }

  /**
   * Appends one line. Group commit: the lines queued in one round of the turn's end
   * (`atTurnEnd`: every request the turn read, each up to its audit record) are joined and
   * written together, or by the next write when one is in flight, and their callers share one
   * promise that settles only when the write that carried their lines has completed (or failed).
   * Concurrent requests therefore share file writes instead of paying a system call each, and
   * nothing is acknowledged before it is written.
   */
  write(record: string): Promise<void> {
    if (this.#target === 'discard') return Promise.resolve();
    let batch = this.#pending;
    if (batch === undefined) {
      // The first line of a new batch schedules its write; later ones ride along.
      batch = newBatch();
      this.#pending = batch;
      atTurnEnd(this.#scheduleFlush);
    }
    batch.text += `${record}\n`;
    return batch.written;
  }

  readonly #scheduleFlush = (): void => {
    void this.#queue.run(() => this.#flush());
  };

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = undefined;
    if (batch === undefined) return;
    try {
      await this.#writeText(batch.text);
      batch.fulfil();
    } catch (error) {
      batch.reject(error);
    }
  }

  async #writeText(text: string): Promise<void> {
    if (this.#target === 'stdout') {
      await writeToStream(this.#stdout, text);
      return;
    }
    const handle = await this.#openNow();
    const bytes = Buffer.from(text, 'utf8');
    try {
      // A synchronous append, as Vault's file device does: it lands in the page cache in
      // microseconds, where a thread-pool round trip would add latency to every request. The
      // loop only runs again for a short write (a full disk).
      let offset = 0;
      while (offset < bytes.length) {
        const written = writeSync(handle.fd, bytes, offset, bytes.length - offset, null);
        if (written === 0) throw new Error('short write');
        offset += written;
      }
    } catch (error) {
      await this.#closeNow();
      throw new Error(`cannot write audit file "${this.#target}": ${describeIoError(error)}`, {
        cause: error,
      });
    }
  }

  reopen(): Promise<void> {
    if (this.#target === 'stdout' || this.#target === 'discard') return Promise.resolve();
    return this.#queue.run(async () => {
      await this.#closeNow();
      await this.#openNow();
    });
  }

  close(): Promise<void> {
    return this.#queue.run(() => this.#closeNow());
  }

  async #openNow(): Promise<FileHandle> {
    if (this.#handle !== undefined) return this.#handle;
    if (this.#target === 'stdout' || this.#target === 'discard') {
      // Nothing to open; callers never write through a handle for these targets.
      throw new Error('no file to open');
    }
    let handle: FileHandle;
    try {
      handle = await open(this.#target, 'a', this.#mode === 0 ? CREATE_MODE : this.#mode);
    } catch (error) {
      throw new Error(`cannot open audit file "${this.#target}": ${describeIoError(error)}`, {
        cause: error,
      });
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EINVAL' });
      if (this.#mode !== 0) await handle.chmod(this.#mode);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw new Error(`cannot open audit file "${this.#target}": ${describeIoError(error)}`, {
        cause: error,
      });
    }
    this.#handle = handle;
    return handle;
  }

  async #closeNow(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle !== undefined) await handle.close().catch(() => undefined);
  }
}

function writeToStream(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    stream.write(text, (error) => {
      if (error === undefined || error === null) resolvePromise();
      else reject(new Error(`cannot write audit line to stdout: ${describeIoError(error)}`));
    });
  });
}

/** Lines written together, and the promise their callers wait on. */
interface PendingBatch {
  /** The lines, each ending in a newline. */
  text: string;
  readonly written: Promise<void>;
  readonly fulfil: () => void;
  readonly reject: (error: unknown) => void;
}

function newBatch(): PendingBatch {
  let fulfil!: () => void;
  let reject!: (error: unknown) => void;
  const written = new Promise<void>((resolvePromise, rejectPromise) => {
    fulfil = resolvePromise;
    reject = rejectPromise;
  });
  return { text: '', written, fulfil, reject };
}
