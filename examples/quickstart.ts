/**
 * `npm run quickstart`: Strongroom end to end in one process, on the embedded default store.
 *
 * 1. Starts a server on the embedded single-file store (SQLite) in a temporary directory,
 *    initializes it (3 key shares, threshold 2) and unseals it: what `strongroom server
 *    -config=...` followed by `strongroom operator init` / `operator unseal` does.
 * 2. Writes a policy, mounts KV v2, writes a secret and reads it back; creates a token limited to
 *    that secret and looks it up.
 * 3. Embeds the client library: a SecretsManager in front of that server serves the secret from
 *    its cache, then picks up a rotation (a new version written on the server) and says so.
 *
 * Every HTTP call goes through the same API existing Vault clients use.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretsManager, VaultClient, VaultProvider } from '@strongroom/client';
import { startServer } from '@strongroom/server';

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const dir = await mkdtemp(join(tmpdir(), 'strongroom-quickstart-'));
const server = await startServer({
  config: {
    listener: { address: '127.0.0.1:0', tlsDisable: true },
    storage: { kind: 'file', path: dir },
    logLevel: 'warn',
  },
});
say(`server listening on ${server.address}, storage "file" at ${dir}/strongroom.db`);

try {
  const operator = new VaultClient({ address: server.address });
  const init = await operator.sys.init({ secretShares: 3, secretThreshold: 2 });
  say(
    `initialized: ${init.keys.length} key shares, threshold 2 (sealed until 2 shares are entered)`,
  );
  for (const key of init.keys.slice(0, 2)) await operator.sys.unseal(key);
  say(
    `unsealed: ${JSON.stringify(await operator.sys.sealStatus().then((s) => ({ sealed: s.sealed })))}`,
  );

  const root = operator.withToken(init.root_token);
  await root.sys.enableMount('secret', { type: 'kv', options: { version: '2' } });
  await root.write('sys/policies/acl/app', {
    policy: 'path "secret/data/app/*" { capabilities = ["read"] }',
  });
  await root.kv.put('secret/app/db', { username: 'app', password: 'correct-horse-battery' });
  const read = await root.kv.get('secret/app/db');
  say(
    `KV v2 round trip: wrote secret/app/db, read back version ${String(read?.metadata?.version)} with fields ${Object.keys(read?.data ?? {}).join(', ')}`,
  );

  const created = await root.token.create({
    policies: ['app'],
    ttl: '1h',
    displayName: 'quickstart',
  });
  const appToken = created.auth?.client_token ?? '';
  const app = operator.withToken(appToken);
  const self = await app.token.lookupSelf();
  say(
    `token created (accessor ${String(created.auth?.accessor)}): policies ${JSON.stringify(self.data?.policies)}, ttl ${String(self.data?.ttl)}s`,
  );

  const manager = new SecretsManager({
    provider: new VaultProvider({ client: app }),
    defaultTtlMs: 60_000,
  });
  manager.on('rotated', ({ path, previous, current }) => {
    say(`rotated: ${path} version ${previous.version} -> ${current.version}`);
  });
  const first = await manager.get('secret/app/db');
  const again = await manager.get('secret/app/db');
  say(
    `client: first get fetched version ${first.version}; second get served from cache: ${String(first === again)}; printed value: ${String(first)}`,
  );

  await root.kv.put('secret/app/db', { username: 'app', password: 'rotated-staple-2' });
  const fresh = await manager.refresh('secret/app/db');
  say(`client: after rotation the cache holds version ${fresh.version}`);
  await manager.close();
} finally {
  await server.close();
  await rm(dir, { recursive: true, force: true });
}
say('done');
