/**
 * The `socket` audit device: one line per record over a TCP connection or a unix stream socket.
 *
 * The connection is opened on enable (unless `skip_test`), and again whenever it is found
 * closed. A write that fails is retried once on a fresh connection; if that fails too the record
 * is not written and the write rejects (the broker decides whether the request may proceed).
 * `write_timeout` (default 2s, 0 = none) bounds the connect and each write, so a peer that stops
 * reading cannot hang requests forever.
 */
import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import type { AuditDevice } from './device.ts';
import { SerialQueue, describeIoError } from './io.ts';
import { invalidOption, parseDurationOption } from './options.ts';
import type { DeviceOptions } from './options.ts';

const DEFAULT_WRITE_TIMEOUT_MS = 2000;

type Endpoint =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly family?: 4 | 6 }
  | { readonly kind: 'unix'; readonly path: string };

export class SocketDevice implements AuditDevice {
  readonly #endpoint: Endpoint;
  readonly #address: string;
  readonly #timeoutMs: number;
  readonly #queue = new SerialQueue();
  #socket: Socket | undefined;

  constructor(options: DeviceOptions) {
    const type =
      options.socket_type === undefined || options.socket_type === '' ? 'tcp' : options.socket_type;
    const address = options.address ?? '';
    if (address === '') throw invalidOption('option "address" is required');
    this.#address = address;
    this.#endpoint = parseEndpoint(type, address);
    this.#timeoutMs = parseDurationOption(options, 'write_timeout', DEFAULT_WRITE_TIMEOUT_MS);
  }

  open(): Promise<void> {
    return this.#queue.run(async () => {
      await this.#connect();
    });
  }

  write(record: string): Promise<void> {
    const line = `${record}\n`;
    return this.#queue.run(async () => {
      try {
        await this.#writeOnce(line);
      } catch {
        // The connection may have died since the last record: one retry on a fresh one.
        this.#drop();
        try {
          await this.#writeOnce(line);
        } catch (error) {
          this.#drop();
          throw new Error(
            `cannot write to audit socket "${this.#address}": ${describeIoError(error)}`,
            { cause: error },
          );
        }
      }
    });
  }

  reopen(): Promise<void> {
    return this.#queue.run(async () => {
      this.#drop();
      await this.#connect();
    });
  }

  close(): Promise<void> {
    return this.#queue.run(() => {
      const socket = this.#socket;
      this.#socket = undefined;
      if (socket === undefined || socket.destroyed) return Promise.resolve();
      return new Promise<void>((resolvePromise) => {
        const timer = setTimeout(() => {
          socket.destroy();
        }, 1000);
        timer.unref();
        socket.once('close', () => {
          clearTimeout(timer);
          resolvePromise();
        });
        socket.end();
      });
    });
  }

  async #writeOnce(line: string): Promise<void> {
    const socket = await this.#connect();
    await new Promise<void>((resolvePromise, reject) => {
      const timer =
        this.#timeoutMs > 0
          ? setTimeout(() => {
              socket.destroy();
              reject(Object.assign(new Error('write timed out'), { code: 'ETIMEDOUT' }));
            }, this.#timeoutMs)
          : undefined;
      timer?.unref();
      socket.write(line, (error) => {
        clearTimeout(timer);
        if (error === undefined || error === null) resolvePromise();
        else reject(error);
      });
    });
  }

  async #connect(): Promise<Socket> {
    const current = this.#socket;
    if (current !== undefined && !current.destroyed && current.writable) return current;
    this.#drop();
    const endpoint = this.#endpoint;
    const socket =
      endpoint.kind === 'unix'
        ? createConnection({ path: endpoint.path })
        : createConnection({
            host: endpoint.host,
            port: endpoint.port,
            ...(endpoint.family === undefined ? {} : { family: endpoint.family }),
          });
    try {
      await new Promise<void>((resolvePromise, reject) => {
        const timer =
          this.#timeoutMs > 0
            ? setTimeout(() => {
                reject(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' }));
              }, this.#timeoutMs)
            : undefined;
        timer?.unref();
        socket.once('connect', () => {
          clearTimeout(timer);
          resolvePromise();
        });
        socket.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
    } catch (error) {
      socket.destroy();
      throw new Error(
        `cannot connect to audit socket "${this.#address}": ${describeIoError(error)}`,
        { cause: error },
      );
    }
    // Errors after connecting surface through the failed write; the listener keeps an idle
    // connection's reset from becoming an uncaught exception.
    socket.on('error', () => {
      this.#forget(socket);
    });
    socket.on('close', () => {
      this.#forget(socket);
    });
    // Reading (and discarding) lets us notice when the peer closes an idle connection.
    socket.resume();
    socket.unref();
    this.#socket = socket;
    return socket;
  }

  #forget(socket: Socket): void {
    if (this.#socket === socket) this.#socket = undefined;
  }

  #drop(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.destroy();
  }
}

function parseEndpoint(type: string, address: string): Endpoint {
  switch (type) {
    case 'unix':
      return { kind: 'unix', path: address };
    case 'tcp':
    case 'tcp4':
    case 'tcp6': {
      const match = /^(?:\[(?<v6>[^\]]+)\]|(?<host>[^:]*)):(?<port>\d{1,5})$/.exec(address);
      const port = Number(match?.groups?.port);
      const host = match?.groups?.v6 ?? match?.groups?.host ?? '';
      if (match === null || !Number.isInteger(port) || port < 1 || port > 65535) {
        throw invalidOption('option "address" must be "host:port" for a tcp socket');
      }
      const family = type === 'tcp4' ? 4 : type === 'tcp6' ? 6 : undefined;
      return {
        kind: 'tcp',
        host: host === '' ? 'localhost' : host,
        port,
        ...(family === undefined ? {} : { family }),
      };
    }
    default:
      throw invalidOption(`unsupported socket_type "${type}": use "tcp" or "unix"`);
  }
}
