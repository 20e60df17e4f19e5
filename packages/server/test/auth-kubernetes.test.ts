/**
 * Kubernetes end to end: a stand-in API server on loopback HTTPS (self-signed certificate made
 * with openssl, passed as kubernetes_ca_cert) that speaks the `authentication.k8s.io/v1`
 * TokenReview protocol, and a real Strongroom server driven by VaultClient. Logs in with a
 * projected service account token, proves the token's policies, metadata and TTL, renews it,
 * and proves each refusal.
 */
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { SignJWT, generateKeyPair } from 'jose';
import type { CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal, startAuthServer } from './support/auth-server.ts';
import type { AuthTestServer } from './support/auth-server.ts';
import { selfSignedCertificate } from './support/auth-tls.ts';

interface Account {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

const REVIEWER_JWT = 'reviewer.jwt.value';
const DEFAULT_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

let t: AuthTestServer;
let api: Server;
let signingKey: CryptoKey;
/** Tokens the stand-in cluster recognises, as it would by their signature and the live SA. */
const issued = new Map<string, { account: Account; audiences: string[] }>();
const reviews: Record<string, unknown>[] = [];
const presented: string[] = [];

async function serviceAccountToken(
  account: Account,
  audiences: string[] = [DEFAULT_AUDIENCE],
  options: { recognised?: boolean } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT({
    iss: 'https://kubernetes.default.svc.cluster.local',
    sub: `system:serviceaccount:${account.namespace}:${account.name}`,
    aud: audiences,
    iat: now,
    nbf: now,
    exp: now + 3600,
    'kubernetes.io': {
      namespace: account.namespace,
      pod: { name: `${account.name}-7d9f-x2`, uid: 'pod-uid' },
      serviceaccount: { name: account.name, uid: account.uid },
    },
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'sa-key' })
    .sign(signingKey);
  if (options.recognised !== false) issued.set(jwt, { account, audiences });
  presented.push(jwt);
  return jwt;
}

/** The TokenReview endpoint, answering as kube-apiserver does (201 with the review's status). */
function handleTokenReview(authorization: string | undefined, text: string) {
  if (authorization !== `Bearer ${REVIEWER_JWT}`) {
    return {
      status: 401,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'Unauthorized',
        code: 401,
      },
    };
  }
  const review = JSON.parse(text) as {
    apiVersion: string;
    kind: string;
    spec: { token: string; audiences?: string[] };
  };
  reviews.push(review);
  if (review.apiVersion !== 'authentication.k8s.io/v1' || review.kind !== 'TokenReview') {
    return { status: 400, body: { kind: 'Status', status: 'Failure', code: 400 } };
  }
  const known = issued.get(review.spec.token);
  const wanted = review.spec.audiences ?? [DEFAULT_AUDIENCE];
  const audiences = known === undefined ? [] : wanted.filter((a) => known.audiences.includes(a));
  const status =
    known === undefined
      ? { authenticated: false, user: {}, error: '[invalid bearer token, token lookup failed]' }
      : audiences.length === 0
        ? {
            authenticated: false,
            user: {},
            error: '[invalid bearer token, token audiences are invalid for the target audiences]',
          }
        : {
            authenticated: true,
            user: {
              username: `system:serviceaccount:${known.account.namespace}:${known.account.name}`,
              uid: known.account.uid,
              groups: [
                'system:serviceaccounts',
                `system:serviceaccounts:${known.account.namespace}`,
                'system:authenticated',
              ],
              extra: { 'authentication.kubernetes.io/pod-name': [`${known.account.name}-7d9f-x2`] },
            },
            audiences,
          };
  return {
    status: 201,
    body: { ...review, metadata: { creationTimestamp: null }, status },
  };
}

beforeAll(async () => {
  signingKey = (await generateKeyPair('ES256')).privateKey;
  const tls = await selfSignedCertificate();
  api = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply =
        req.method === 'POST' && req.url === '/apis/authentication.k8s.io/v1/tokenreviews'
          ? handleTokenReview(req.headers.authorization, Buffer.concat(chunks).toString('utf8'))
          : { status: 404, body: { kind: 'Status', status: 'Failure', code: 404 } };
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  const host = `https://127.0.0.1:${(api.address() as AddressInfo).port}`;

  t = await startAuthServer();
  await t.root.sys.writePolicy(
    'payments-api',
    'path "secret/data/payments/*" { capabilities = ["read"] }',
  );
  await t.root.sys.enableAuth('kubernetes', { type: 'kubernetes' });
  await t.root.write('auth/kubernetes/config', {
    kubernetes_host: host,
    kubernetes_ca_cert: tls.certPem,
    token_reviewer_jwt: REVIEWER_JWT,
    disable_local_ca_jwt: true,
  });
  await t.root.write('auth/kubernetes/role/payments', {
    bound_service_account_names: ['api', 'worker-*'],
    bound_service_account_namespaces: 'payments',
    token_policies: 'payments-api',
    token_ttl: '20m',
    token_max_ttl: '1h',
  });
  await t.root.write('auth/kubernetes/role/audience', {
    bound_service_account_names: 'api',
    bound_service_account_namespaces: 'payments',
    audience: 'strongroom',
    token_policies: 'payments-api',
  });
});

afterAll(async () => {
  await t.close();
  await new Promise<void>((resolve) => api.close(() => resolve()));
});

const API: Account = { namespace: 'payments', name: 'api', uid: '5a1c-api' };

function login(jwt: string, role = 'payments') {
  return t.anonymous.write('auth/kubernetes/login', { role, jwt });
}

describe('kubernetes over HTTP', () => {
  it('logs in through the TokenReview API and the token carries the role', async () => {
    const response = await login(await serviceAccountToken(API));
    expect(response?.auth).toMatchObject({
      policies: ['default', 'payments-api'],
      metadata: {
        role: 'payments',
        service_account_name: 'api',
        service_account_namespace: 'payments',
        service_account_uid: '5a1c-api',
        service_account_secret_name: '',
      },
      lease_duration: 1200,
      renewable: true,
    });
    expect(reviews.at(-1)).toEqual({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token: presented.at(-1) },
    });

    const client = t.anonymous.withToken(response?.auth?.client_token ?? '');
    const self = await client.token.lookupSelf();
    expect(self.data).toMatchObject({
      display_name: 'kubernetes-payments-api',
      policies: ['default', 'payments-api'],
      meta: { service_account_name: 'api', role: 'payments' },
      path: 'auth/kubernetes/login',
    });
    const caps = await client.write('sys/capabilities-self', {
      paths: ['secret/data/payments/db', 'secret/data/billing/db'],
    });
    expect(caps?.data).toMatchObject({
      'secret/data/payments/db': ['read'],
      'secret/data/billing/db': ['deny'],
    });
    expect((await refusal(client.read('auth/kubernetes/config'))).status).toBe(403);
    const renewed = await client.token.renewSelf();
    expect(renewed.auth?.lease_duration).toBe(1200);
  });

  it('accepts a glob-bound service account name', async () => {
    const response = await login(
      await serviceAccountToken({ namespace: 'payments', name: 'worker-eu', uid: 'w-1' }),
    );
    expect(response?.auth?.metadata).toMatchObject({ service_account_name: 'worker-eu' });
  });

  it('refuses a token the TokenReview says is not authenticated', async () => {
    const refused = await refusal(
      login(await serviceAccountToken(API, undefined, { recognised: false })),
    );
    expect(refused.status).toBe(403);
    expect(refused.errors[0]).toMatch(/^lookup failed/);
  });

  it('refuses a service account the role does not bind', async () => {
    expect(await refusal(login(await serviceAccountToken({ ...API, name: 'frontend' })))).toEqual({
      status: 403,
      errors: ['service account name not authorized'],
    });
  });

  it('refuses a namespace the role does not bind', async () => {
    expect(
      await refusal(login(await serviceAccountToken({ ...API, namespace: 'default' }))),
    ).toEqual({ status: 403, errors: ['namespace not authorized'] });
  });

  it('checks the role audience in the token and through the TokenReview', async () => {
    expect(await refusal(login(await serviceAccountToken(API), 'audience'))).toEqual({
      status: 403,
      errors: ['invalid audience (aud) claim'],
    });
    const ok = await login(await serviceAccountToken(API, ['strongroom']), 'audience');
    expect(ok?.auth?.client_token).toMatch(/^hvs\./);
    expect(reviews.at(-1)).toMatchObject({ spec: { audiences: ['strongroom'] } });
  });

  it('reports a reviewer the API refuses', async () => {
    await t.root.write('auth/kubernetes/config', {
      kubernetes_host: `https://127.0.0.1:${(api.address() as AddressInfo).port}`,
      token_reviewer_jwt: 'not-allowed',
    });
    try {
      const refused = await refusal(login(await serviceAccountToken(API)));
      expect(refused.status).toBe(403);
      expect(refused.errors[0]).toMatch(/refused the token review \(status 401\)/);
    } finally {
      await t.root.write('auth/kubernetes/config', {
        kubernetes_host: `https://127.0.0.1:${(api.address() as AddressInfo).port}`,
        token_reviewer_jwt: REVIEWER_JWT,
      });
    }
  });

  it('never writes a service account token or the reviewer JWT to the server log', () => {
    for (const jwt of presented) expect(t.log.text).not.toContain(jwt.split('.')[2]);
    expect(t.log.text).not.toContain(REVIEWER_JWT);
  });
});
