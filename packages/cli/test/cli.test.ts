import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startTestServer, tableRows } from './helpers.ts';
import type { TestServer } from './helpers.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

const POLICY = 'path "sys/policies/acl/*" {\n  capabilities = ["read", "list"]\n}\n';

describe('status', () => {
  it('prints the seal status of an unsealed dev server and exits 0', async () => {
    const result = await t.cli(['status']);
    expect(result.code).toBe(0);
    const rows = tableRows(result.stdout);
    expect(rows.get('Initialized')).toBe('true');
    expect(rows.get('Sealed')).toBe('false');
    expect(rows.get('Seal Type')).toBe('shamir');
  });

  it('prints JSON with -format=json, and works without a token', async () => {
    const result = await t.cli(['status', '-format=json'], { token: null });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ initialized: true, sealed: false });
  });
});

describe('token', () => {
  it('looks up the root token', async () => {
    const result = await t.cli(['token', 'lookup', '-format=json']);
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body.data.policies).toEqual(['root']);
  });

  it('creates a child token and looks it up by token and by accessor', async () => {
    const created = await t.cli([
      'token',
      'create',
      '-policy=default',
      '-ttl=1h',
      '-display-name=ci',
      '-metadata',
      'team=payments',
      '-format=json',
    ]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const auth = JSON.parse(created.stdout).auth;
    expect(auth.policies).toContain('default');
    expect(auth.lease_duration).toBe(3600);

    const lookup = await t.cli(['token', 'lookup', auth.client_token]);
    expect(lookup.code).toBe(0);
    const rows = tableRows(lookup.stdout);
    expect(rows.get('accessor')).toBe(auth.accessor);
    expect(rows.get('display_name')).toBe('token-ci');

    const byAccessor = await t.cli(['token', 'lookup', '-accessor', auth.accessor, '-format=json']);
    expect(byAccessor.code).toBe(0);
    expect(JSON.parse(byAccessor.stdout).data.accessor).toBe(auth.accessor);

    // The child looks itself up with its own token.
    const self = await t.cli(['token', 'lookup', '-field=policies'], { token: auth.client_token });
    expect(self.code).toBe(0);
    expect(self.stdout).toBe('["default"]');
  });

  it('prints only the token with -field=token, and the table otherwise', async () => {
    const field = await t.cli(['token', 'create', '-field=token', '-policy=default']);
    expect(field.code).toBe(0);
    expect(field.stdout).toMatch(/^\S+$/);
    const table = await t.cli(['token', 'create', '-policy=default', '-ttl=30m']);
    const rows = tableRows(table.stdout);
    expect(rows.get('token_duration')).toBe('30m');
    expect(rows.get('token_policies')).toBe('["default"]');
    expect(rows.get('token_renewable')).toBe('true');
  });

  it('renews and revokes a child token', async () => {
    const token = (await t.cli(['token', 'create', '-field=token', '-ttl=10m'])).stdout;
    const renewed = await t.cli(['token', 'renew', '-increment=20m', '-format=json', token]);
    expect(renewed.code).toBe(0);
    expect(JSON.parse(renewed.stdout).auth.lease_duration).toBe(1200);
    const revoked = await t.cli(['token', 'revoke', token]);
    expect(revoked).toMatchObject({ code: 0, stdout: 'Success! Revoked token (if it existed)\n' });
    const gone = await t.cli(['token', 'lookup'], { token });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^Error: GET auth\/token\/lookup-self: 403 /);
    expect(gone.stderr).not.toContain(token);
  });

  it('revokes its own token with -self', async () => {
    const token = (await t.cli(['token', 'create', '-field=token'])).stdout;
    expect((await t.cli(['token', 'revoke', '-self'], { token })).code).toBe(0);
    expect((await t.cli(['token', 'lookup'], { token })).code).toBe(1);
  });

  it('reads the token from ~/.vault-token when no variable is set', async () => {
    await writeFile(join(t.home, '.vault-token'), 'root\n');
    try {
      const result = await t.cli(['token', 'lookup', '-field=display_name'], { token: null });
      expect(result).toMatchObject({ code: 0, stdout: 'root' });
    } finally {
      await rm(join(t.home, '.vault-token'));
    }
  });
});

describe('policy', () => {
  it('writes, reads, lists and deletes a policy', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strongroom-policy-'));
    try {
      await writeFile(join(dir, 'reader.hcl'), POLICY);
      const written = await t.cli(['policy', 'write', 'reader', 'reader.hcl'], { cwd: dir });
      expect(written).toMatchObject({ code: 0, stdout: 'Success! Uploaded policy: reader\n' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const fromStdin = await t.cli(['policy', 'write', 'stdin-policy', '-'], { stdin: POLICY });
    expect(fromStdin.code).toBe(0);

    const read = await t.cli(['policy', 'read', 'reader']);
    expect(read.code).toBe(0);
    expect(read.stdout).toContain('path "sys/policies/acl/*"');

    const list = await t.cli(['policy', 'list']);
    expect(list.stdout.split('\n')).toEqual(
      expect.arrayContaining(['default', 'reader', 'stdin-policy', 'root']),
    );
    const json = await t.cli(['policy', 'list', '-format=json']);
    expect(JSON.parse(json.stdout)).toContain('reader');

    const deleted = await t.cli(['policy', 'delete', 'stdin-policy']);
    expect(deleted).toMatchObject({ code: 0, stdout: 'Success! Deleted policy: stdin-policy\n' });
    expect((await t.cli(['policy', 'list'])).stdout.split('\n')).not.toContain('stdin-policy');
    const missing = await t.cli(['policy', 'read', 'stdin-policy']);
    expect(missing.code).toBe(2);
  });

  it('a token with the policy can read policies but not write them (exit 1)', async () => {
    await t.cli(['policy', 'write', 'reader', '-'], { stdin: POLICY });
    const token = (await t.cli(['token', 'create', '-field=token', '-policy=reader'])).stdout;
    expect((await t.cli(['policy', 'read', 'reader'], { token })).code).toBe(0);
    const denied = await t.cli(['policy', 'write', 'evil', '-'], { token, stdin: POLICY });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toBe('Error: PUT sys/policies/acl/evil: 403 permission denied\n');
  });
});

describe('secrets and auth', () => {
  it('lists the system mount and the token auth method', async () => {
    const secrets = await t.cli(['secrets', 'list']);
    expect(secrets.code).toBe(0);
    expect(secrets.stdout.split('\n')[0]).toMatch(/^Path\s+Type\s+Accessor\s+Description$/);
    expect(secrets.stdout).toMatch(/^sys\/\s+system\s+/m);
    const auth = await t.cli(['auth', 'list', '-format=json']);
    expect(auth.code).toBe(0);
    expect(JSON.parse(auth.stdout)['token/'].type).toBe('token');
  });

  it('reports an engine type the server does not know as an API error (exit 1)', async () => {
    const result = await t.cli(['secrets', 'enable', '-path=nope', 'no-such-engine']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: POST sys\/mounts\/nope: 400 /);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('disables a path that is not mounted as Vault does (an error or a no-op)', async () => {
    const result = await t.cli(['secrets', 'disable', 'never-mounted']);
    expect(result).toMatchObject({
      code: 0,
      stdout: 'Success! Disabled the secrets engine (if it existed) at: never-mounted/\n',
    });
  });
});

describe('generic read, write, list, delete (on sys/policies/acl)', () => {
  it('round-trips a path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strongroom-write-'));
    try {
      await writeFile(join(dir, 'p.hcl'), POLICY);
      const written = await t.cli(['write', 'sys/policies/acl/generic', 'policy=@p.hcl'], {
        cwd: dir,
      });
      expect(written).toMatchObject({
        code: 0,
        stdout: 'Success! Data written to: sys/policies/acl/generic\n',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const read = await t.cli(['read', 'sys/policies/acl/generic']);
    expect(read.code).toBe(0);
    expect(tableRows(read.stdout).get('name')).toBe('generic');
    const field = await t.cli(['read', '-field=policy', 'sys/policies/acl/generic']);
    expect(field.stdout).toBe(POLICY);
    const json = await t.cli(['read', '-format=json', 'sys/policies/acl/generic']);
    expect(JSON.parse(json.stdout).data.name).toBe('generic');

    const list = await t.cli(['list', 'sys/policies/acl']);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n').slice(0, 2)).toEqual(['Keys', '----']);
    expect(list.stdout.split('\n')).toContain('generic');

    const deleted = await t.cli(['delete', 'sys/policies/acl/generic']);
    expect(deleted).toMatchObject({
      code: 0,
      stdout: 'Success! Data deleted (if it existed) at: sys/policies/acl/generic\n',
    });
    const gone = await t.cli(['read', 'sys/policies/acl/generic']);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toBe('No value found at sys/policies/acl/generic\n');
  });

  it('writes JSON from stdin with "-"', async () => {
    const result = await t.cli(['write', 'sys/policies/acl/from-json', '-'], {
      stdin: JSON.stringify({ policy: POLICY }),
    });
    expect(result.code).toBe(0);
    expect((await t.cli(['read', '-field=name', 'sys/policies/acl/from-json'])).stdout).toBe(
      'from-json',
    );
  });
});

describe('run', () => {
  it('injects the fields of a secret into the child and passes its exit code through', async () => {
    await t.cli(['policy', 'write', 'run-demo', '-'], { stdin: POLICY });
    const script =
      'process.stdout.write(process.env.NAME + "|" + process.env.APP_NAME); process.exit(7)';
    const result = await t.cli([
      'run',
      '-path=sys/policies/acl/run-demo',
      '--',
      process.execPath,
      '-e',
      script,
    ]);
    expect(result.stdout).toBe('run-demo|undefined');
    expect(result.code).toBe(7);

    const prefixed = await t.cli([
      'run',
      '-path=sys/policies/acl/run-demo',
      '-prefix=app_',
      process.execPath,
      '-e',
      'process.stdout.write(String(process.env.APP_NAME))',
    ]);
    expect(prefixed).toMatchObject({ code: 0, stdout: 'run-demo' });
  });

  it('fails with exit 1 when a secret cannot be read, without starting the child', async () => {
    const result = await t.cli([
      'run',
      '-path=sys/policies/acl/none-such',
      '--',
      process.execPath,
      '-e',
      'process.exit(0)',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: secret "sys\/policies\/acl\/none-such" not found/);
  });
});

describe('usage and errors', () => {
  it.each([
    [['token', 'create', '-no-such-flag']],
    [['policy', 'write', 'only-name']],
    [['token', 'lookup', '-format=yaml']],
    [['operator', 'init', '-key-shares=x']],
    [['kv', 'bogus']],
    [['nonsense']],
    [['token', 'revoke']],
    [['write', 'sys/policies/acl/x', 'not-a-pair']],
    [['run', '-path=x']],
  ])('%j is a usage error: exit 2 with one line', async (argv) => {
    const result = await t.cli(argv);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('never echoes a data value in a usage error', async () => {
    const result = await t.cli(['write', 'sys/policies/acl/x', 'hunter2-secret']);
    expect(result.stderr).not.toContain('hunter2');
  });

  it('prints help with -h and exits 0', async () => {
    const result = await t.cli(['token', 'create', '-h']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: strongroom token create /);
  });

  it('an unreachable server is exit 1 with one line', async () => {
    const result = await runCli(['status'], { env: { VAULT_ADDR: 'http://127.0.0.1:1' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^Error: GET sys\/seal-status: cannot reach http:\/\/127\.0\.0\.1:1/,
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('-address overrides the environment', async () => {
    const result = await runCli(['status', `-address=${t.address}`], {
      env: { VAULT_ADDR: 'http://127.0.0.1:1' },
    });
    expect(result.code).toBe(0);
  });

  it('STRONGROOM_ADDR wins over VAULT_ADDR', async () => {
    const result = await runCli(['status'], {
      env: { STRONGROOM_ADDR: t.address, VAULT_ADDR: 'http://127.0.0.1:1' },
    });
    expect(result.code).toBe(0);
  });
});

describe('server -dev', () => {
  it('prints the banner with the address, unseal key and root token, serves, and stops on shutdown', async () => {
    const home = await mkdtemp(join(tmpdir(), 'strongroom-dev-'));
    const controller = new AbortController();
    let output = '';
    const stdout = { write: (s: string) => ((output += s), true) };
    const { main } = await import('../src/main.ts');
    const running = main(
      ['server', '-dev', '-dev-root-token-id=dev-root', '-dev-listen-address=127.0.0.1:0'],
      {
        stdout,
        stderr: stdout,
        env: {},
        homeDir: home,
        shutdown: controller.signal,
      },
    );
    try {
      await expect.poll(() => output, { timeout: 10_000 }).toMatch(/Root Token: dev-root/);
      const address = /export VAULT_ADDR='(http:\/\/127\.0\.0\.1:\d+)'/.exec(output)?.[1];
      expect(address).toBeDefined();
      expect(output).toMatch(/Unseal Key: \S+/);
      expect(await readFile(join(home, '.vault-token'), 'utf8')).toBe('dev-root');
      const status = await runCli(['status'], { env: { VAULT_ADDR: address! } });
      expect(status.code).toBe(0);
      const lookup = await runCli(['token', 'lookup', '-field=id'], {
        env: { VAULT_ADDR: address! },
        homeDir: home,
      });
      expect(lookup.stdout).toBe('dev-root');
    } finally {
      controller.abort();
      await expect(running).resolves.toBe(0);
      await rm(home, { recursive: true, force: true });
    }
    expect(output).toContain('==> Shutting down');
  });

  it('starts from -config=FILE (uninitialized, so status exits 2) and stops on shutdown', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strongroom-config-'));
    const file = join(dir, 'server.hcl');
    await writeFile(
      file,
      'listener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = 1\n}\nstorage "inmem" {}\n',
    );
    const controller = new AbortController();
    let output = '';
    const stdout = { write: (s: string) => ((output += s), true) };
    const { main } = await import('../src/main.ts');
    const running = main(['server', `-config=${file}`], {
      stdout,
      stderr: stdout,
      env: {},
      homeDir: dir,
      shutdown: controller.signal,
    });
    try {
      await expect.poll(() => output, { timeout: 10_000 }).toMatch(/server started on http:/);
      const address = /started on (http:\/\/\S+)/.exec(output)?.[1];
      const status = await runCli(['status', '-format=json'], { env: { VAULT_ADDR: address! } });
      expect(status.code).toBe(2);
      expect(JSON.parse(status.stdout)).toMatchObject({ initialized: false, sealed: true });
    } finally {
      controller.abort();
      await expect(running).resolves.toBe(0);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a missing config file is exit 1 with one line', async () => {
    const result = await runCli(['server', '-config=/nonexistent/strongroom.hcl'], {});
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('requires -dev or -config', async () => {
    const result = await runCli(['server'], {});
    expect(result.code).toBe(2);
  });
});
