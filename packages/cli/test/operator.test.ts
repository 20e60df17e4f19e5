/** `operator init|unseal|seal` and `status` exit codes, each on its own server. */
import { startServer } from '@strongroom/server';
import { describe, expect, it } from 'vitest';
import { logSink, runCli, startTestServer, tableRows } from './helpers.ts';

describe('operator', () => {
  it('initializes a fresh server, unseals it with a threshold of keys, and reports status', async () => {
    const server = await startServer({
      config: {
        listener: { address: '127.0.0.1:0', tlsDisable: true },
        storage: { kind: 'inmem' },
        logLevel: 'info',
      },
      listenAddress: '127.0.0.1:0',
      logDestination: logSink,
    });
    const env = { VAULT_ADDR: server.address };
    try {
      const before = await runCli(['status', '-format=json'], { env });
      expect(JSON.parse(before.stdout)).toMatchObject({ initialized: false });

      const init = await runCli(
        ['operator', 'init', '-key-shares=3', '-key-threshold=2', '-format=json'],
        { env },
      );
      expect(init.code).toBe(0);
      const { keys_base64: keys, root_token: rootToken } = JSON.parse(init.stdout);
      expect(keys).toHaveLength(3);

      const sealed = await runCli(['status'], { env });
      expect(sealed.code).toBe(2);
      expect(tableRows(sealed.stdout).get('Sealed')).toBe('true');
      expect(tableRows(sealed.stdout).get('Unseal Progress')).toBe('0/2');

      const first = await runCli(['operator', 'unseal', keys[0]], { env });
      expect(first.code).toBe(0);
      expect(tableRows(first.stdout).get('Unseal Progress')).toBe('1/2');
      const second = await runCli(['operator', 'unseal'], { env, stdinText: `${keys[1]}\n` });
      expect(second.code).toBe(0);
      expect(tableRows(second.stdout).get('Sealed')).toBe('false');

      const status = await runCli(['status'], { env });
      expect(status.code).toBe(0);
      const lookup = await runCli(['token', 'lookup', '-format=json'], {
        env: { ...env, VAULT_TOKEN: rootToken },
      });
      expect(JSON.parse(lookup.stdout).data.policies).toEqual(['root']);

      const again = await runCli(['operator', 'init'], { env });
      expect(again.code).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('seals a dev server (status then exits 2) and unseals it with the dev key', async () => {
    const t = await startTestServer();
    try {
      expect((await t.cli(['operator', 'seal'])).stdout).toBe('Success! The server is sealed.\n');
      expect((await t.cli(['status'])).code).toBe(2);
      const refused = await t.cli(['token', 'lookup']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/: 503 /);
      const unsealed = await t.cli(['operator', 'unseal', t.server.unsealKey!]);
      expect(unsealed.code).toBe(0);
      expect((await t.cli(['status'])).code).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('a token without sudo cannot seal (exit 1)', async () => {
    const t = await startTestServer();
    try {
      const token = (await t.cli(['token', 'create', '-field=token', '-policy=default'])).stdout;
      const result = await t.cli(['operator', 'seal'], { token });
      expect(result.code).toBe(1);
      expect((await t.cli(['status'])).code).toBe(0);
    } finally {
      await t.close();
    }
  });
});
