import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditFailedError } from './broker.ts';
import {
  MARKERS,
  at,
  brokerFixture,
  leakedMarkers,
  requestEntry,
  responseEntry,
} from './test-support.ts';
import type { BrokerFixture } from './test-support.ts';

/** A real listener collecting what devices send, line by line. */
interface Collector {
  readonly server: Server;
  readonly text: () => string;
  readonly connections: Socket[];
  lines(): Record<string, unknown>[];
  waitForLines(count: number): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

async function collector(
  listen: { port: number; host: string } | { path: string },
): Promise<Collector> {
  const chunks: string[] = [];
  const connections: Socket[] = [];
  const server = createServer((socket) => {
    connections.push(socket);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    socket.on('error', () => undefined);
  });
  server.listen(listen);
  await once(server, 'listening');
  const text = (): string => chunks.join('');
  const lines = (): Record<string, unknown>[] =>
    text()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    server,
    text,
    connections,
    lines,
    async waitForLines(count) {
      const deadline = Date.now() + 5000;
      while (lines().length < count) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} lines`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return lines();
    },
    async close() {
      for (const socket of connections) socket.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen({ port: 0, host: '127.0.0.1' });
  await once(server, 'listening');
  const port = portOf(server);
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

let f: BrokerFixture;
const servers: Collector[] = [];

beforeEach(async () => {
  f = await brokerFixture();
});

afterEach(async () => {
  await f.broker.close();
  for (const server of servers.splice(0)) await server.close();
  await f.cleanup();
});

describe('socket device', () => {
  it('writes hashed lines to a real loopback TCP server', async () => {
    const sink = await collector({ port: 0, host: '127.0.0.1' });
    servers.push(sink);
    await f.broker.enable({
      path: 'socket',
      type: 'socket',
      options: { address: `127.0.0.1:${portOf(sink.server)}`, socket_type: 'tcp' },
    });
    await f.broker.logRequest(requestEntry());
    await f.broker.logResponse(responseEntry());
    const [req, res] = await sink.waitForLines(2);
    expect(req?.type).toBe('request');
    expect(res?.type).toBe('response');
    expect(at(req, 'request', 'data', 'password')).toBe(f.broker.hash('socket', MARKERS.password));
    expect(leakedMarkers(sink.text())).toEqual([]);
  });

  it('writes to a real unix socket', async () => {
    const path = join(f.dir, 'audit.sock');
    const sink = await collector({ path });
    servers.push(sink);
    await f.broker.enable({
      path: 'unix',
      type: 'socket',
      options: { address: path, socket_type: 'unix' },
    });
    await f.broker.logRequest(requestEntry({ id: 'over-unix' }));
    const [line] = await sink.waitForLines(1);
    expect(at(line, 'request', 'id')).toBe('over-unix');
    expect(leakedMarkers(sink.text())).toEqual([]);
  });

  it('refuses to enable when nothing listens, unless skip_test; then fails closed', async () => {
    const port = await closedPort();
    await expect(
      f.broker.enable({
        path: 'socket',
        type: 'socket',
        options: { address: `127.0.0.1:${port}` },
      }),
    ).rejects.toMatchObject({ status: 400 });
    expect(f.broker.list()).toEqual([]);

    await f.broker.enable({
      path: 'socket',
      type: 'socket',
      options: { address: `127.0.0.1:${port}`, skip_test: 'true' },
    });
    await expect(f.broker.logRequest(requestEntry())).rejects.toBeInstanceOf(AuditFailedError);
    expect(f.log.text()).toContain('ECONNREFUSED');
  });

  it('reconnects when the server drops the connection', async () => {
    const sink = await collector({ port: 0, host: '127.0.0.1' });
    servers.push(sink);
    await f.broker.enable({
      path: 'socket',
      type: 'socket',
      options: { address: `127.0.0.1:${portOf(sink.server)}` },
    });
    await f.broker.logRequest(requestEntry({ id: 'first' }));
    await sink.waitForLines(1);
    for (const socket of sink.connections) socket.destroy();
    await new Promise((r) => setTimeout(r, 20));
    await f.broker.logRequest(requestEntry({ id: 'second' }));
    const lines = await sink.waitForLines(2);
    expect(lines.map((l) => at(l, 'request', 'id'))).toEqual(['first', 'second']);
    expect(sink.connections.length).toBeGreaterThanOrEqual(2);
  });

  it('fails closed while the server is down and recovers when it is back', async () => {
    const sink = await collector({ port: 0, host: '127.0.0.1' });
    const port = portOf(sink.server);
    await f.broker.enable({
      path: 'socket',
      type: 'socket',
      options: { address: `127.0.0.1:${port}` },
    });
    await sink.close();
    await new Promise((r) => setTimeout(r, 20));
    await expect(f.broker.logRequest(requestEntry())).rejects.toBeInstanceOf(AuditFailedError);

    const again = await collector({ port, host: '127.0.0.1' });
    servers.push(again);
    await f.broker.logRequest(requestEntry({ id: 'recovered' }));
    const [line] = await again.waitForLines(1);
    expect(at(line, 'request', 'id')).toBe('recovered');
  });

  it('records through a second device when the socket is down', async () => {
    const port = await closedPort();
    const sink = await collector({ port: 0, host: '127.0.0.1' });
    servers.push(sink);
    await f.broker.enable({
      path: 'down',
      type: 'socket',
      options: { address: `127.0.0.1:${port}`, skip_test: 'true' },
    });
    await f.broker.enable({
      path: 'up',
      type: 'socket',
      options: { address: `127.0.0.1:${portOf(sink.server)}` },
    });
    await f.broker.logRequest(requestEntry({ id: 'one-of-two' }));
    const [line] = await sink.waitForLines(1);
    expect(at(line, 'request', 'id')).toBe('one-of-two');
  });
});
