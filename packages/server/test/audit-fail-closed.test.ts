/**
 * Audit is fail-closed: when no enabled audit device can record a request, the request is
 * refused (500 with an `errors` body) before any engine runs, so a refused write changes
 * nothing; `strongroom_audit_failures_total` counts the refusals. One working device among
 * several is enough.
 *
 * A file device keeps its descriptor open, so deleting its directory alone does not stop it;
 * the failure is made real the way log rotation meets it: the directory is removed, a regular
 * file takes its place, and the server reopens its audit files (SIGHUP's path,
 * `core.reopenAudit()`), which now fails, as does every later write's attempt to reopen.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtinBackends } from '../src/builtin.ts';
import { startServer } from '../src/server.ts';
import type { RunningServer } from '../src/server.ts';
import { call } from './support/http.ts';
import type { RawReply } from './support/http.ts';
import { LogSink } from './support/log-sink.ts';
import { sampleValue } from './support/metrics.ts';
import { tempDir } from './support/start.ts';

const ROOT = 'root';
const SECRET = 'secret/data/app/db';

describe('audit fail-closed', () => {
  let server: RunningServer;
  let dir: { path: string; remove(): Promise<void> };

  beforeEach(async () => {
    dir = await tempDir('audit-fail');
    server = await startServer({
      dev: { rootTokenId: ROOT },
      listenAddress: '127.0.0.1:0',
      logDestination: new LogSink(),
      backends: builtinBackends,
    });
  });

  afterEach(async () => {
    await server.close();
    await dir.remove();
  });

  const request = (method: string, path: string, body?: unknown): Promise<RawReply> =>
    call(server.address, method, path, { token: ROOT, ...(body === undefined ? {} : { body }) });

  async function enableFile(name: string, filePath: string): Promise<void> {
    const enabled = await request('PUT', `sys/audit/${name}`, {
      type: 'file',
      options: { file_path: filePath },
    });
    expect(enabled.status, enabled.text).toBe(204);
  }

  /** Read in process: over HTTP the scrape itself would be refused while audit is down. */
  async function auditFailures(): Promise<number> {
    const { body } = await server.core.metrics.render();
    return sampleValue(body, 'strongroom_audit_failures_total') ?? Number.NaN;
  }

  /** Replaces the directory with a regular file and makes the server reopen its audit files. */
  async function breakDirectory(path: string): Promise<void> {
    await rm(path, { recursive: true, force: true });
    await writeFile(path, 'not a directory');
    await server.core.reopenAudit();
  }

  async function repairDirectory(path: string): Promise<void> {
    await rm(path, { force: true });
    await mkdir(path);
  }

  function expectRefused(reply: RawReply, value?: string): void {
    expect(reply.status, reply.text).toBe(500);
    expect(reply.body.errors).toEqual([expect.any(String)]);
    if (value !== undefined) expect(reply.text).not.toContain(value);
  }

  it('refuses reads and writes when the only device cannot write, and the write does not happen', async () => {
    expect((await request('PUT', SECRET, { data: { password: 'old-value' } })).status).toBe(200);
    const auditDir = join(dir.path, 'audit');
    await mkdir(auditDir);
    await enableFile('file', join(auditDir, 'audit.log'));
    expect((await request('GET', SECRET)).status).toBe(200);
    expect(await readFile(join(auditDir, 'audit.log'), 'utf8')).toContain('"type":"response"');

    await breakDirectory(auditDir);
    const failuresBefore = await auditFailures();

    const read = await request('GET', SECRET);
    expectRefused(read, 'old-value');
    const write = await request('PUT', SECRET, { data: { password: 'new-value' } });
    expectRefused(write, 'new-value');
    // Refused before the engine ran: a KV v2 write would have answered its new version.
    expect(write.text).not.toContain('version');
    expect(await auditFailures()).toBe(failuresBefore + 2);

    // Once the device can write again, it rejoins on its next record without operator action,
    // and the refused write is nowhere: the old value, still at version 1.
    await repairDirectory(auditDir);
    const after = await request('GET', SECRET);
    expect(after.status, after.text).toBe(200);
    expect(after.body.data.data).toEqual({ password: 'old-value' });
    expect(after.body.data.metadata.version).toBe(1);
    const recorded = await readFile(join(auditDir, 'audit.log'), 'utf8');
    expect(recorded).toContain(`"path":"${SECRET}"`);
    expect(await auditFailures()).toBe(failuresBefore + 2);
  });

  it('serves requests while at least one of two devices can write', async () => {
    const goodLog = join(dir.path, 'good.log');
    const badDir = join(dir.path, 'bad');
    await mkdir(badDir);
    await enableFile('good', goodLog);
    await enableFile('bad', join(badDir, 'audit.log'));
    await breakDirectory(badDir);
    const failuresBefore = await auditFailures();
    const goodBefore = (await readFile(goodLog, 'utf8')).length;

    const write = await request('PUT', SECRET, { data: { password: 'two-devices' } });
    expect(write.status, write.text).toBe(200);
    const read = await request('GET', SECRET);
    expect(read.status, read.text).toBe(200);
    expect(read.body.data.data).toEqual({ password: 'two-devices' });

    // The working device recorded both; no request was refused.
    const goodAfter = (await readFile(goodLog, 'utf8')).slice(goodBefore);
    expect(goodAfter.match(/"type":"request"/g)?.length).toBe(2);
    expect(goodAfter.match(/"type":"response"/g)?.length).toBe(2);
    expect(await auditFailures()).toBe(failuresBefore);
  });

  it('refuses requests when a socket device loses its peer', async () => {
    const received: string[] = [];
    const sockets = new Set<Socket>();
    const peer: Server = createServer((socket) => {
      sockets.add(socket);
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => received.push(chunk));
    });
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
    const { port } = peer.address() as AddressInfo;
    const enabled = await request('PUT', 'sys/audit/socket', {
      type: 'socket',
      options: { address: `127.0.0.1:${port}`, socket_type: 'tcp', skip_test: true },
    });
    expect(enabled.status, enabled.text).toBe(204);
    expect((await request('PUT', SECRET, { data: { password: 'before' } })).status).toBe(200);
    expect(received.join('')).toContain(`"path":"${SECRET}"`);

    // The collector goes away: its port refuses connections from now on.
    await new Promise<void>((resolve) => {
      peer.close(() => {
        resolve();
      });
      for (const socket of sockets) socket.destroy();
    });
    const failuresBefore = await auditFailures();
    expectRefused(await request('GET', SECRET), 'before');
    expectRefused(await request('PUT', SECRET, { data: { password: 'after' } }), 'after');
    expect(await auditFailures()).toBe(failuresBefore + 2);

    // A collector comes back on the same port: the device reconnects on its next record, and
    // the refused write is nowhere: the old value, still at version 1.
    const back: Server = createServer((socket) => {
      sockets.add(socket);
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => received.push(chunk));
    });
    await new Promise<void>((resolve) => back.listen(port, '127.0.0.1', resolve));
    const read = await request('GET', SECRET);
    expect(read.status, read.text).toBe(200);
    expect(read.body.data.data).toEqual({ password: 'before' });
    expect(read.body.data.metadata.version).toBe(1);
    await new Promise<void>((resolve) => {
      back.close(() => {
        resolve();
      });
      for (const socket of sockets) socket.destroy();
    });
  });
});
