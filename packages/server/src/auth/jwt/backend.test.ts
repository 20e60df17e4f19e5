import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { authHarness } from '../test-support.ts';
import type { AuthHarness } from '../test-support.ts';
import { createJwtBackend, jwtBackendFactory } from './backend.ts';

const ISSUER = 'https://issuer.example';

interface Signer {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
  readonly pem: string;
}

async function signer(kid: string): Promise<Signer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  return {
    kid,
    privateKey,
    jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
    pem: await exportSPKI(publicKey),
  };
}

async function sign(
  h: AuthHarness,
  key: Signer,
  claims: Record<string, unknown> = {},
  options: { lifetimeS?: number; alg?: string } = {},
): Promise<string> {
  const nowS = Math.floor(h.clock.now() / 1000);
  return new SignJWT({
    iss: ISSUER,
    aud: 'strongroom',
    sub: 'user-1',
    email: 'alice@example.com',
    iat: nowS,
    nbf: nowS,
    exp: nowS + (options.lifetimeS ?? 300),
    ...claims,
  })
    .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: key.kid })
    .sign(key.privateKey);
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
  );
});

/** A JWKS endpoint on loopback whose key set the test can change, counting fetches. */
async function jwksServer(
  keys: JWK[],
): Promise<{ url: string; fetches: () => number; set: (k: JWK[]) => void }> {
  let current = keys;
  let fetches = 0;
  const server = createServer((req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: current }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks`,
    fetches: () => fetches,
    set: (k) => {
      current = k;
    },
  };
}

async function withPubkeys(key: Signer, role: Record<string, unknown> = {}) {
  const h = await authHarness(jwtBackendFactory, 'jwt');
  await h.call('update', 'config', { jwt_validation_pubkeys: [key.pem], bound_issuer: ISSUER });
  await h.call('update', 'role/dev', {
    role_type: 'jwt',
    user_claim: 'email',
    bound_audiences: 'strongroom',
    token_policies: 'dev',
    token_ttl: '10m',
    ...role,
  });
  return h;
}

function login(h: AuthHarness, jwt: string, role = 'dev') {
  return h.call('update', 'login', { role, jwt });
}

describe('jwt config and roles', () => {
  it('needs exactly one key source and valid keys', async () => {
    const h = await authHarness(jwtBackendFactory, 'jwt');
    const key = await signer('k1');
    await expect(h.call('update', 'config', {})).rejects.toMatchObject({ status: 400 });
    await expect(
      h.call('update', 'config', {
        jwt_validation_pubkeys: key.pem,
        jwks_url: 'http://127.0.0.1:1/jwks',
      }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      h.call('update', 'config', { jwt_validation_pubkeys: 'not a key' }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      h.call('update', 'config', { jwks_url: 'http://127.0.0.1:1/jwks' }),
    ).rejects.toMatchObject({ status: 400 });
    await h.call('update', 'config', {
      jwt_validation_pubkeys: [key.pem],
      bound_issuer: ISSUER,
      default_role: 'dev',
      jwt_supported_algs: 'RS256',
    });
    expect((await h.call('read', 'config'))?.data).toMatchObject({
      jwt_validation_pubkeys: [key.pem],
      bound_issuer: ISSUER,
      default_role: 'dev',
      jwt_supported_algs: ['RS256'],
    });
  });

  it('requires a user claim and, for jwt roles, a binding', async () => {
    const h = await authHarness(jwtBackendFactory, 'jwt');
    await expect(
      h.call('update', 'role/r', { role_type: 'jwt', bound_audiences: 'a' }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      h.call('update', 'role/r', { role_type: 'jwt', user_claim: 'sub' }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      h.call('update', 'role/r', {
        role_type: 'jwt',
        user_claim: 'sub',
        bound_audiences: 'a',
        claim_mappings: { email: 'role' },
      }),
    ).rejects.toMatchObject({ status: 400 });
    await h.call('update', 'role/r', {
      role_type: 'jwt',
      user_claim: 'sub',
      bound_claims: { team: ['a', 'b'], env: 'prod' },
      expiration_leeway: -1,
      not_before_leeway: '30s',
      policies: 'p',
    });
    expect((await h.call('read', 'role/r'))?.data).toMatchObject({
      role_type: 'jwt',
      bound_claims: { team: ['a', 'b'], env: ['prod'] },
      bound_claims_type: 'string',
      expiration_leeway: -1,
      not_before_leeway: 30,
      clock_skew_leeway: 0,
      token_policies: ['p'],
    });
    expect((await h.call('list', 'role'))?.data).toEqual({ keys: ['r'] });
    await h.call('delete', 'role/r');
    expect(await h.call('read', 'role/r')).toBeUndefined();
  });
});

describe('jwt login', () => {
  it('issues a token with metadata from claim_mappings and the role', async () => {
    const key = await signer('k1');
    const h = await withPubkeys(key, { claim_mappings: { sub: 'subject', '/groups/0': 'group' } });
    const response = await login(h, await sign(h, key, { groups: ['ops', 'dev'] }));
    expect(response?.auth).toMatchObject({
      policies: ['dev'],
      metadata: { subject: 'user-1', group: 'ops', role: 'dev' },
      displayName: 'jwt-alice@example.com',
      ttlMs: 600_000,
      renewable: true,
      internal: { role: 'dev' },
    });
  });

  it('uses default_role when the login names none', async () => {
    const key = await signer('k1');
    const h = await withPubkeys(key);
    await h.call('update', 'config', {
      jwt_validation_pubkeys: [key.pem],
      bound_issuer: ISSUER,
      default_role: 'dev',
    });
    const response = await h.call('update', 'login', { jwt: await sign(h, key) });
    expect(response?.auth?.metadata).toEqual({ role: 'dev' });
  });

  it('applies the expiration and not-before leeways on the request clock', async () => {
    const key = await signer('k1');
    const h = await withPubkeys(key);
    const jwt = await sign(h, key, {}, { lifetimeS: 60 });
    // exp + 60s skew + 150s leeway is still accepted...
    await h.clock.advance((60 + 200) * 1000);
    expect((await login(h, jwt))?.auth).toBeDefined();
    // ...and refused past it.
    await h.clock.advance(20_000);
    await expect(login(h, jwt)).rejects.toMatchObject({ status: 400, message: 'token is expired' });

    await h.call('update', 'role/dev', { expiration_leeway: -1, clock_skew_leeway: -1 });
    const strict = await sign(h, key, {}, { lifetimeS: 10 });
    await h.clock.advance(10_000);
    await expect(login(h, strict)).rejects.toMatchObject({ message: 'token is expired' });
  });

  it('refuses a token that is not yet valid', async () => {
    const key = await signer('k1');
    const h = await withPubkeys(key, { not_before_leeway: -1, clock_skew_leeway: -1 });
    const nowS = Math.floor(h.clock.now() / 1000);
    const jwt = await sign(h, key, { nbf: nowS + 60, iat: nowS });
    await expect(login(h, jwt)).rejects.toMatchObject({
      status: 400,
      message: 'token is not yet valid',
    });
    await h.clock.advance(60_000);
    expect((await login(h, jwt))?.auth).toBeDefined();
  });

  it('refuses a wrong audience, issuer or subject', async () => {
    const key = await signer('k1');
    const h = await withPubkeys(key, { bound_subject: 'user-1' });
    await expect(login(h, await sign(h, key, { aud: 'other' }))).rejects.toMatchObject({
      status: 400,
      message: 'invalid audience (aud) claim',
    });
    await expect(login(h, await sign(h, key, { iss: 'https://evil' }))).rejects.toMatchObject({
      status: 400,
      message: 'invalid issuer (iss) claim',
    });
    await expect(login(h, await sign(h, key, { sub: 'user-2' }))).rejects.toMatchObject({
      status: 400,
      message: 'invalid subject (sub) claim',
    });
  });

  it('refuses an audience when the role binds none', async () => {
    const key = await signer('k1');
    const h = await withPubkeys(key, { bound_audiences: [], bound_subject: 'user-1' });
    await expect(login(h, await sign(h, key))).rejects.toMatchObject({
      message: 'audience claim found in JWT but no audiences bound to the role',
    });
    expect((await login(h, await sign(h, key, { aud: undefined })))?.auth).toBeDefined();
  });

  it('checks bound claims exactly or as globs', async () => {
    const key = await signer('k1');
    const h = await withPubkeys(key, {
      bound_claims: { team: ['ops', 'sre'], '/ns/name': 'prod' },
    });
    expect(
      (await login(h, await sign(h, key, { team: 'sre', ns: { name: 'prod' } })))?.auth,
    ).toBeDefined();
    expect(
      (await login(h, await sign(h, key, { team: ['x', 'ops'], ns: { name: 'prod' } })))?.auth,
    ).toBeDefined();
    await expect(
      login(h, await sign(h, key, { team: 'dev', ns: { name: 'prod' } })),
    ).rejects.toMatchObject({
      status: 400,
      message: 'claim "team" does not match any associated bound claim values',
    });
    await expect(login(h, await sign(h, key, { ns: { name: 'prod' } }))).rejects.toMatchObject({
      message: 'claim "team" is missing',
    });
    await h.call('update', 'role/dev', {
      bound_claims: { repo: 'org/*' },
      bound_claims_type: 'glob',
    });
    expect((await login(h, await sign(h, key, { repo: 'org/app' })))?.auth).toBeDefined();
    await expect(login(h, await sign(h, key, { repo: 'other/app' }))).rejects.toMatchObject({
      status: 400,
    });
  });

  it('refuses a bad signature, a refused algorithm and garbage', async () => {
    const key = await signer('k1');
    const other = await signer('k1');
    const h = await withPubkeys(key);
    await expect(login(h, await sign(h, other))).rejects.toMatchObject({
      status: 400,
      message: 'failed to verify the token signature',
    });
    const jwt = await sign(h, key);
    const tampered =
      jwt.slice(0, jwt.lastIndexOf('.') + 1) + 'AAAA' + jwt.slice(jwt.lastIndexOf('.') + 5);
    await expect(login(h, tampered)).rejects.toMatchObject({ status: 400 });
    await expect(login(h, 'not.a.jwt')).rejects.toMatchObject({ status: 400 });
    await h.call('update', 'config', {
      jwt_validation_pubkeys: [key.pem],
      bound_issuer: ISSUER,
      jwt_supported_algs: 'ES256',
    });
    await expect(login(h, jwt)).rejects.toMatchObject({
      message: 'token signing algorithm is not allowed',
    });
  });

  it('refuses oidc roles, unknown roles and callers outside token_bound_cidrs', async () => {
    const key = await signer('k1');
    const h = await withPubkeys(key);
    const jwt = await sign(h, key);
    await h.call('update', 'role/web', { user_claim: 'sub', bound_audiences: 'strongroom' });
    await expect(login(h, jwt, 'web')).rejects.toMatchObject({
      message: 'role with oidc role_type is not allowed',
    });
    await expect(login(h, jwt, 'nope')).rejects.toMatchObject({ status: 400 });
    await h.call('update', 'role/dev', { token_bound_cidrs: '10.0.0.0/8' });
    await expect(login(h, jwt)).rejects.toMatchObject({ status: 403 });
  });

  it('never puts the JWT in an error or a log line', async () => {
    const key = await signer('k1');
    const other = await signer('k1');
    const h = await withPubkeys(key);
    const jwts = [
      await sign(h, other),
      await sign(h, key, { aud: 'x' }),
      await sign(h, key, { exp: 1 }),
    ];
    for (const jwt of jwts) {
      const error = await login(h, jwt).catch((e: unknown) => e);
      const text = `${String(error)} ${JSON.stringify(error)} ${String((error as Error).cause)}`;
      expect((error as Error).cause).toBeUndefined();
      for (const part of jwt.split('.')) expect(text).not.toContain(part);
    }
    for (const jwt of jwts) expect(h.log.text()).not.toContain(jwt.split('.')[1]);
  });
});

describe('jwt login with a remote JWKS', () => {
  it('caches the key set and refetches on an unknown kid', async () => {
    const k1 = await signer('k1');
    const k2 = await signer('k2');
    const jwks = await jwksServer([k1.jwk]);
    const h = await authHarness(() => createJwtBackend('jwt', { jwksCooldownMs: 0 }), 'jwt');
    await h.call('update', 'config', { jwks_url: jwks.url, bound_issuer: ISSUER });
    await h.call('update', 'role/dev', {
      role_type: 'jwt',
      user_claim: 'sub',
      bound_audiences: 'strongroom',
    });
    const probes = jwks.fetches();
    expect((await login(h, await sign(h, k1)))?.auth).toBeDefined();
    expect((await login(h, await sign(h, k1)))?.auth).toBeDefined();
    expect(jwks.fetches()).toBe(probes + 1);

    // The issuer rotates to k2: the unknown kid triggers one refetch, then k2 verifies.
    jwks.set([k1.jwk, k2.jwk]);
    expect((await login(h, await sign(h, k2)))?.auth).toBeDefined();
    expect(jwks.fetches()).toBe(probes + 2);

    const k3 = await signer('k3');
    await expect(login(h, await sign(h, k3))).rejects.toMatchObject({
      status: 400,
      message: 'no known key matches the token (kid)',
    });
  });

  it('within the cooldown an unknown kid does not refetch', async () => {
    const k1 = await signer('k1');
    const k2 = await signer('k2');
    const jwks = await jwksServer([k1.jwk]);
    const h = await authHarness(() => createJwtBackend('jwt', { jwksCooldownMs: 60_000 }), 'jwt');
    await h.call('update', 'config', { jwks_url: jwks.url });
    await h.call('update', 'role/dev', {
      role_type: 'jwt',
      user_claim: 'sub',
      bound_audiences: 'strongroom',
    });
    await login(h, await sign(h, k1));
    const before = jwks.fetches();
    jwks.set([k1.jwk, k2.jwk]);
    for (let i = 0; i < 5; i++) {
      await expect(login(h, await sign(h, k2))).rejects.toMatchObject({ status: 400 });
    }
    expect(jwks.fetches()).toBe(before);
  });

  it('answers 503 when the JWKS cannot be fetched', async () => {
    const k1 = await signer('k1');
    const h = await authHarness(jwtBackendFactory, 'jwt');
    await h.call('update', 'config', {
      jwks_url: 'http://127.0.0.1:1/jwks',
      skip_jwks_validation: true,
    });
    await h.call('update', 'role/dev', {
      role_type: 'jwt',
      user_claim: 'sub',
      bound_audiences: 'strongroom',
    });
    await expect(login(h, await sign(h, k1))).rejects.toMatchObject({ status: 503 });
  });
});
