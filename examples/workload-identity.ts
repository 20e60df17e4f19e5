/**
 * `npm run example:identity`: a workload logs in with the identity its platform gives it, and
 * can read only what its policy allows.
 *
 * 1. AppRole: the operator creates a role bound to a policy and hands the workload a role ID
 *    and a single-use secret ID; the workload logs in with them.
 * 2. JWT: the operator trusts a CI system's signing key and binds a role to the job's claims;
 *    the job logs in with its OIDC token (here signed locally, as the CI system would).
 * Each login gets a short-lived token that reads `secret/data/app/*` and nothing else.
 */
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { VaultApiError, VaultClient } from '@strongroom/client';
import { startServer } from '@strongroom/server';

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const server = await startServer({
  dev: { rootTokenId: 'root' },
  listenAddress: '127.0.0.1:0',
  logDestination: { write: () => true },
});
try {
  const root = new VaultClient({ address: server.address, token: 'root' });
  await root.kv.put('secret/app/db', { password: 'app-db-password' });
  await root.kv.put('secret/billing/db', { password: 'billing-db-password' });
  await root.write('sys/policies/acl/app', {
    policy: 'path "secret/data/app/*" { capabilities = ["read"] }',
  });

  // --- AppRole -------------------------------------------------------------------------------
  await root.write('sys/auth/approle', { type: 'approle' });
  await root.write('auth/approle/role/app', {
    token_policies: 'app',
    token_ttl: '15m',
    secret_id_num_uses: 1,
    secret_id_ttl: '10m',
  });
  const roleId = String((await root.read('auth/approle/role/app/role-id'))?.data?.role_id);
  const secretId = String(
    (await root.write('auth/approle/role/app/secret-id', {}))?.data?.secret_id,
  );
  const approle = await new VaultClient({ address: server.address }).write('auth/approle/login', {
    role_id: roleId,
    secret_id: secretId,
  });
  say(
    `AppRole login: policies ${JSON.stringify(approle?.auth?.policies)}, ttl ${String(approle?.auth?.lease_duration)}s`,
  );
  await readBoth(
    new VaultClient({ address: server.address, token: approle?.auth?.client_token ?? '' }),
  );

  // --- JWT (a CI job's OIDC token) -----------------------------------------------------------
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  await root.write('sys/auth/jwt', { type: 'jwt' });
  await root.write('auth/jwt/config', {
    jwt_validation_pubkeys: [await exportSPKI(publicKey)],
    bound_issuer: 'https://ci.example.test',
  });
  await root.write('auth/jwt/role/deploy', {
    role_type: 'jwt',
    user_claim: 'sub',
    bound_audiences: ['strongroom'],
    bound_claims: { repository: 'acme/app', ref: 'refs/heads/main' },
    token_policies: ['app'],
    token_ttl: '10m',
  });
  const jwt = await new SignJWT({ repository: 'acme/app', ref: 'refs/heads/main' })
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer('https://ci.example.test')
    .setAudience('strongroom')
    .setSubject('repo:acme/app:ref:refs/heads/main')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey);
  const ci = await new VaultClient({ address: server.address }).write('auth/jwt/login', {
    role: 'deploy',
    jwt,
  });
  say(
    `JWT login: policies ${JSON.stringify(ci?.auth?.policies)}, metadata ${JSON.stringify(ci?.auth?.metadata)}`,
  );
  await readBoth(new VaultClient({ address: server.address, token: ci?.auth?.client_token ?? '' }));
} finally {
  await server.close();
}

async function readBoth(client: VaultClient): Promise<void> {
  const allowed = await client.kv.get('secret/app/db');
  say(`  read secret/app/db: version ${String(allowed?.metadata?.version)}`);
  try {
    await client.kv.get('secret/billing/db');
    say('  read secret/billing/db: allowed (unexpected)');
  } catch (error) {
    say(
      `  read secret/billing/db: refused (${error instanceof VaultApiError ? String(error.status) : 'error'})`,
    );
  }
}
