/**
 * Auth method login throughput (issue: auth methods).
 *   (a) AppRole login (`auth/approle/login`, role ID + unlimited secret ID) against
 *       `auth/token/create` with the root token: both mint a service token through the same
 *       token store, so the ratio is the cost of AppRole's own work (salted HMACs, role and
 *       secret ID reads, the per-secret-ID lock, lockout bookkeeping).
 *   (b) JWT login (`auth/jwt/login`, ES256, JWKS fetched once from a loopback server and then
 *       cached by jose) against the same `auth/token/create` baseline: the ratio is the cost of
 *       signature verification and claim checks.
 *
 * All three run over HTTP keep-alive against one dev server in this process, with
 * `CONCURRENCY` requests in flight, for `ROUND_MS` per round, alternating baseline and subject,
 * and report the median of the rounds in requests per second (ratios: higher is better).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { VaultClient } from '@strongroom/client';
import {
  approleBackendFactory,
  jwtBackendFactory,
  kubernetesBackendFactory,
} from '../packages/server/src/auth/index.ts';
import { builtinBackends } from '../packages/server/src/builtin.ts';
import { startServer } from '../packages/server/src/server.ts';
import { discardingStream, fmt, median, report } from './lib.ts';

export interface AuthFigures {
  readonly tokenCreatePerSecond: number;
  readonly approlePerSecond: number;
  readonly jwtPerSecond: number;
  /** AppRole logins per second / token creations per second. */
  readonly approleRatio: number;
  /** JWT logins per second / token creations per second. */
  readonly jwtRatio: number;
}

const CONCURRENCY = 8;
const ROUND_MS = 1_500;
const ROUNDS = 5;

/** Requests per second of `op` with `CONCURRENCY` in flight for `durationMs`. */
async function throughput(op: () => Promise<unknown>, durationMs: number): Promise<number> {
  const end = performance.now() + durationMs;
  let done = 0;
  const worker = async () => {
    while (performance.now() < end) {
      await op();
      done++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return (done * 1000) / (performance.now() - start);
}

export async function runAuth(): Promise<AuthFigures> {
  report('## auth methods');
  const server = await startServer({
    dev: { rootTokenId: 'root' },
    listenAddress: '127.0.0.1:0',
    logDestination: discardingStream(),
    backends: {
      ...builtinBackends,
      approle: approleBackendFactory,
      jwt: jwtBackendFactory,
      kubernetes: kubernetesBackendFactory,
    },
  });
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256' };
  let jwksFetches = 0;
  const jwks = createServer((_req, res) => {
    jwksFetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  try {
    const root = new VaultClient({ address: server.address, token: 'root' });
    const anonymous = new VaultClient({ address: server.address });

    await root.sys.enableAuth('approle', { type: 'approle' });
    await root.write('auth/approle/role/bench', { token_policies: 'app', token_ttl: '1h' });
    const roleId = (await root.read('auth/approle/role/bench/role-id'))?.data?.['role_id'];
    const secretId = (await root.write('auth/approle/role/bench/secret-id'))?.data?.['secret_id'];

    const issuer = 'https://issuer.bench';
    await root.sys.enableAuth('jwt', { type: 'jwt' });
    await root.write('auth/jwt/config', {
      jwks_url: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`,
      bound_issuer: issuer,
    });
    await root.write('auth/jwt/role/bench', {
      role_type: 'jwt',
      user_claim: 'sub',
      bound_audiences: 'strongroom',
      token_policies: 'app',
      token_ttl: '1h',
    });
    const now = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({ iss: issuer, aud: 'strongroom', sub: 'bench', iat: now })
      .setExpirationTime(now + 3600)
      .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
      .sign(privateKey);

    const tokenCreate = () => root.write('auth/token/create', { policies: 'app', ttl: '1h' });
    const approleLogin = () =>
      anonymous.write('auth/approle/login', { role_id: roleId, secret_id: secretId });
    const jwtLogin = () => anonymous.write('auth/jwt/login', { role: 'bench', jwt });

    // Warm-up (and proof that each call succeeds).
    for (const op of [tokenCreate, approleLogin, jwtLogin]) await throughput(op, 300);
    const fetchesAfterWarmup = jwksFetches;

    const base: number[] = [];
    const approle: number[] = [];
    const jwtRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      base.push(await throughput(tokenCreate, ROUND_MS));
      approle.push(await throughput(approleLogin, ROUND_MS));
      jwtRates.push(await throughput(jwtLogin, ROUND_MS));
    }
    const figures: AuthFigures = {
      tokenCreatePerSecond: median(base),
      approlePerSecond: median(approle),
      jwtPerSecond: median(jwtRates),
      approleRatio: median(approle) / median(base),
      jwtRatio: median(jwtRates) / median(base),
    };
    report(
      `(a) approle login: ${fmt(figures.approlePerSecond, 0)} req/s vs auth/token/create ${fmt(figures.tokenCreatePerSecond, 0)} req/s -> ratio ${fmt(figures.approleRatio)}x`,
    );
    report(
      `(b) jwt login (cached JWKS): ${fmt(figures.jwtPerSecond, 0)} req/s vs auth/token/create ${fmt(figures.tokenCreatePerSecond, 0)} req/s -> ratio ${fmt(figures.jwtRatio)}x (JWKS fetches during measurement: ${jwksFetches - fetchesAfterWarmup})`,
    );
    return figures;
  } finally {
    await server.close();
    await new Promise<void>((resolve) => jwks.close(() => resolve()));
  }
}
