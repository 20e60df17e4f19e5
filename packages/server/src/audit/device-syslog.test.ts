import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SYSLOG_UNAVAILABLE } from './device-syslog.ts';
import { MARKERS, brokerFixture, leakedMarkers, requestEntry } from './test-support.ts';
import type { BrokerFixture } from './test-support.ts';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A broker whose local syslog socket is `log` in a fresh directory (not created yet). */
async function fixture(): Promise<{ f: BrokerFixture; path: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'strongroom-syslog-'));
  const path = join(dir, 'log');
  const f = await brokerFixture({ syslogSocketPath: path, hostname: 'vault-host' });
  cleanups.push(async () => {
    await f.broker.close();
    await f.cleanup();
    await rm(dir, { recursive: true, force: true });
  });
  return { f, path };
}

async function syslogServer(path: string): Promise<{ server: Server; text: () => string }> {
  const chunks: string[] = [];
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    socket.on('error', () => undefined);
  });
  server.listen({ path });
  await once(server, 'listening');
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => r());
      }),
  );
  return { server, text: () => chunks.join('') };
}

async function waitFor(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('syslog device', () => {
  it('refuses to enable with a clear 400 when there is no local syslog socket', async () => {
    const { f } = await fixture();
    await expect(f.broker.enable({ path: 'syslog', type: 'syslog' })).rejects.toMatchObject({
      status: 400,
      message: SYSLOG_UNAVAILABLE,
    });
    expect(f.broker.list()).toEqual([]);
  });

  it('writes RFC 5424 lines with the facility and tag, values hashed', async () => {
    const { f, path } = await fixture();
    const sink = await syslogServer(path);
    await f.broker.enable({
      path: 'syslog',
      type: 'syslog',
      options: { facility: 'LOCAL0', tag: 'vault-audit' },
    });
    await f.broker.logRequest(requestEntry());
    await waitFor(() => sink.text().includes('\n'));
    const line = sink.text().split('\n')[0] ?? '';
    const match =
      /^<134>1 2026-01-02T03:04:05\.000Z vault-host vault-audit (\d+) - - (\{.*\})$/.exec(line);
    expect(match).not.toBeNull();
    expect(Number(match?.[1])).toBe(process.pid);
    const record = JSON.parse(match?.[2] ?? '{}') as { request: { data: { password: string } } };
    expect(record.request.data.password).toBe(f.broker.hash('syslog', MARKERS.password));
    expect(leakedMarkers(sink.text())).toEqual([]);
  });

  it('defaults to the auth facility and refuses an unknown one', async () => {
    const { f, path } = await fixture();
    const sink = await syslogServer(path);
    await expect(
      f.broker.enable({ path: 'bad', type: 'syslog', options: { facility: 'nope' } }),
    ).rejects.toMatchObject({ status: 400 });
    await f.broker.enable({ path: 'syslog', type: 'syslog' });
    await f.broker.logRequest(requestEntry());
    await waitFor(() => sink.text().includes('\n'));
    expect(sink.text()).toMatch(/^<38>1 \S+ vault-host strongroom \d+ - - \{/);
  });
});
