/**
 * The audit promise of the KV issue: known secret values written through every KV operation
 * never appear in the audit file or in the server's own log, while `sys/audit-hash` of each
 * value does appear in the audit file, where an operator can search for it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VaultClient } from '@strongroom/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinBackends } from '../src/builtin.ts';
import { startServer } from '../src/server.ts';
import type { RunningServer } from '../src/server.ts';
import { LogSink } from './support/log-sink.ts';

const marker = (name: string): string => `${name}-${Math.random().toString(36).slice(2)}-sekrit`;

describe('KV values in the audit log and the server log', () => {
  let dir: string;
  let server: RunningServer;
  let root: VaultClient;
  const log = new LogSink();
  // Distinct from the `root` policy name, which the audit log legitimately shows.
  const rootToken = marker('root-token');
  const values = {
    v2Write: marker('v2write'),
    v2Patch: marker('v2patch'),
    v2Cas: marker('v2cas'),
    v2Custom: marker('v2custom'),
    v1Write: marker('v1write'),
    v1Nested: marker('v1nested'),
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strongroom-kv-audit-'));
    server = await startServer({
      dev: { rootTokenId: rootToken },
      listenAddress: '127.0.0.1:0',
      logDestination: log,
      backends: builtinBackends,
    });
    root = new VaultClient({ address: server.address, token: rootToken });
    await root.write('sys/audit/file', {
      type: 'file',
      options: { file_path: join(dir, 'audit.log') },
    });
    await root.write('sys/mounts/kv1', { type: 'kv', options: { version: '1' } });

    // Every KV operation that carries or returns a value.
    await root.write('secret/data/app/db', { data: { password: values.v2Write } });
    await root.read('secret/data/app/db');
    await root.patch('secret/data/app/db', { data: { extra: values.v2Patch } });
    await root.write('secret/data/app/db', {
      data: { password: values.v2Cas },
      options: { cas: 2 },
    });
    await root.read('secret/data/app/db', { query: { version: 1 } });
    await root.write('secret/metadata/app/db', { custom_metadata: { owner: values.v2Custom } });
    await root.read('secret/metadata/app/db');
    await root.read('secret/subkeys/app/db');
    await root.write('secret/delete/app/db', { versions: [1] });
    await root.write('secret/undelete/app/db', { versions: [1] });
    await root.write('secret/destroy/app/db', { versions: [2] });
    await root.delete('secret/data/app/db');
    await root.list('secret/metadata/app');
    await root.write('kv1/app/conf', { token: values.v1Write, nested: { deep: values.v1Nested } });
    await root.read('kv1/app/conf');
    await root.list('kv1/app');
    await root.delete('kv1/app/conf');
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes no value and no token to the audit file', async () => {
    const audit = await readFile(join(dir, 'audit.log'), 'utf8');
    expect(audit.split('\n').filter((line) => line !== '').length).toBeGreaterThan(30);
    for (const value of [...Object.values(values), rootToken]) {
      expect(audit.includes(value), `${value} must not be in the audit log`).toBe(false);
    }
  });

  it('writes no value and no token to the server log', () => {
    for (const value of [...Object.values(values), rootToken])
      expect(log.text).not.toContain(value);
  });

  it('records the HMAC of each value, as sys/audit-hash reports it', async () => {
    const audit = await readFile(join(dir, 'audit.log'), 'utf8');
    for (const value of Object.values(values)) {
      const response = await root.write('sys/audit-hash/file', { input: value });
      const hash = String(response?.data?.hash);
      expect(hash).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
      expect(audit, `the HMAC of ${value.split('-')[0] ?? ''} is in the audit log`).toContain(hash);
    }
  });
});
