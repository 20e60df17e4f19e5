/**
 * How answers are framed on the wire: every answer with a body declares its length
 * (`Content-Length`, as Vault's do) instead of chunked encoding, counted in bytes, for enveloped
 * answers, error answers, raw answers (health, metrics) and HEAD.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinBackends } from '../src/builtin.ts';
import { startServer } from '../src/server.ts';
import type { RunningServer } from '../src/server.ts';
import { call } from './support/http.ts';
import { LogSink } from './support/log-sink.ts';

const ROOT = 'root';

/** The raw status, headers and body bytes of one request, as node:http received them. */
function raw(
  address: string,
  method: string,
  path: string,
  token?: string,
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}> {
  return new Promise((resolve, reject) => {
    const req = request(`${address}/v1/${path}`, {
      method,
      headers: token === undefined ? {} : { 'X-Vault-Token': token },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('answer framing', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({
      dev: { rootTokenId: ROOT },
      listenAddress: '127.0.0.1:0',
      backends: builtinBackends,
      logDestination: new LogSink(),
    });
    // A value whose UTF-8 is longer than its UTF-16 length: the length must count bytes.
    const written = await call(server.address, 'PUT', 'secret/data/framing', {
      token: ROOT,
      body: { data: { greeting: 'grüße, 世界 🔐' } },
    });
    expect(written.status).toBe(200);
  });
  afterAll(async () => {
    await server.close();
  });

  it('an enveloped answer declares its length in bytes and is not chunked', async () => {
    const reply = await raw(server.address, 'GET', 'secret/data/framing', ROOT);
    expect(reply.status).toBe(200);
    expect(reply.headers['transfer-encoding']).toBeUndefined();
    expect(Number(reply.headers['content-length'])).toBe(reply.body.length);
    const parsed = JSON.parse(reply.body.toString('utf8')) as {
      data: { data: { greeting: string } };
    };
    expect(parsed.data.data.greeting).toBe('grüße, 世界 🔐');
  });

  it('an error answer declares its length', async () => {
    const reply = await raw(server.address, 'GET', 'secret/data/framing', 'hvs.not-a-token');
    expect(reply.status).toBe(403);
    expect(reply.headers['transfer-encoding']).toBeUndefined();
    expect(Number(reply.headers['content-length'])).toBe(reply.body.length);
    const parsed = JSON.parse(reply.body.toString('utf8')) as { errors: string[] };
    expect(parsed.errors).toContain('permission denied');
  });

  it('raw answers (health, metrics) declare their length', async () => {
    for (const path of ['sys/health', 'sys/metrics?format=prometheus']) {
      const reply = await raw(server.address, 'GET', path, ROOT);
      expect(reply.status).toBe(200);
      expect(reply.headers['transfer-encoding']).toBeUndefined();
      expect(Number(reply.headers['content-length'])).toBe(reply.body.length);
    }
  });

  it("HEAD declares the length GET's body would have, and sends no body", async () => {
    const get = await raw(server.address, 'GET', 'sys/health');
    const head = await raw(server.address, 'HEAD', 'sys/health');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    // The health body carries the server time, so only its order of magnitude is stable.
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect(Math.abs(Number(head.headers['content-length']) - get.body.length)).toBeLessThan(8);
  });

  it('an answer with nothing to say is a 204 with no body', async () => {
    const reply = await raw(server.address, 'DELETE', 'secret/data/framing', ROOT);
    expect(reply.status).toBe(204);
    expect(reply.body.length).toBe(0);
    expect(reply.headers['transfer-encoding']).toBeUndefined();
  });
});
