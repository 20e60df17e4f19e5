import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import type { CryptoKey } from 'jose';
import { describe, expect, it } from 'vitest';
import { authHarness } from '../test-support.ts';
import type { AuthHarness } from '../test-support.ts';
import { createKubernetesBackend } from './backend.ts';
import { TOKEN_REVIEW_PATH, reviewToken } from './token-review.ts';
import type { TokenReviewInput, TokenReviewResult } from './token-review.ts';

interface Account {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

const APP: Account = { namespace: 'payments', name: 'api', uid: 'uid-1234' };

async function keyPair(): Promise<{ privateKey: CryptoKey; pem: string }> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { privateKey, pem: await exportSPKI(publicKey) };
}

async function saToken(
  key: CryptoKey,
  account: Account,
  options: { aud?: string[]; iss?: string; legacy?: boolean; nowS?: number } = {},
): Promise<string> {
  const now = options.nowS ?? Math.floor(Date.UTC(2026, 0, 1) / 1000);
  const claims = options.legacy
    ? {
        'kubernetes.io/serviceaccount/namespace': account.namespace,
        'kubernetes.io/serviceaccount/service-account.name': account.name,
        'kubernetes.io/serviceaccount/service-account.uid': account.uid,
        'kubernetes.io/serviceaccount/secret.name': `${account.name}-token-abcde`,
      }
    : {
        aud: options.aud ?? ['https://kubernetes.default.svc'],
        'kubernetes.io': {
          namespace: account.namespace,
          serviceaccount: { name: account.name, uid: account.uid },
        },
        iat: now,
        exp: now + 3600,
      };
  return new SignJWT({
    iss: options.iss ?? 'https://kubernetes.default.svc.cluster.local',
    sub: `system:serviceaccount:${account.namespace}:${account.name}`,
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256' })
    .sign(key);
}

/** A reviewer that knows a set of tokens, recording every review it is asked for. */
function fakeReviewer(known: Map<string, { account: Account; audiences: string[] }>) {
  const calls: TokenReviewInput[] = [];
  const review = (input: TokenReviewInput): Promise<TokenReviewResult> => {
    calls.push(input);
    const entry = known.get(input.token);
    if (entry === undefined) {
      return Promise.resolve({
        authenticated: false,
        username: '',
        uid: '',
        audiences: [],
        error: 'invalid bearer token',
      });
    }
    const wanted = input.audiences.length > 0 ? input.audiences : entry.audiences;
    const audiences = wanted.filter((a) => entry.audiences.includes(a));
    return Promise.resolve({
      authenticated: audiences.length > 0,
      username: `system:serviceaccount:${entry.account.namespace}:${entry.account.name}`,
      uid: entry.account.uid,
      audiences,
      error: audiences.length > 0 ? '' : 'token audiences are invalid for the target audiences',
    });
  };
  return { review, calls };
}

async function setup(
  options: { reviewerJwt?: string; pemKeys?: string[]; role?: Record<string, unknown> } = {},
) {
  const known = new Map<string, { account: Account; audiences: string[] }>();
  const reviewer = fakeReviewer(known);
  const h = await authHarness(
    () =>
      createKubernetesBackend({
        review: reviewer.review,
        readLocal: () => Promise.resolve(undefined),
      }),
    'kubernetes',
  );
  await h.call('update', 'config', {
    kubernetes_host: 'https://10.0.0.1:6443',
    kubernetes_ca_cert: '',
    ...(options.reviewerJwt === undefined ? {} : { token_reviewer_jwt: options.reviewerJwt }),
    ...(options.pemKeys === undefined ? {} : { pem_keys: options.pemKeys }),
  });
  await h.call('update', 'role/api', {
    bound_service_account_names: 'api',
    bound_service_account_namespaces: 'payments',
    token_policies: 'payments-api',
    token_ttl: '1h',
    ...options.role,
  });
  const key = await keyPair();
  const issue = async (account: Account, opts: Parameters<typeof saToken>[2] = {}) => {
    const jwt = await saToken(key.privateKey, account, opts);
    known.set(jwt, { account, audiences: opts.aud ?? ['https://kubernetes.default.svc'] });
    return jwt;
  };
  return { h, key, issue, reviewer, known };
}

function login(h: AuthHarness, jwt: string, role = 'api') {
  return h.call('update', 'login', { role, jwt });
}

describe('kubernetes config and roles', () => {
  it('stores the config and never reads back the reviewer JWT', async () => {
    const { h } = await setup({ reviewerJwt: 'reviewer-secret-jwt' });
    const read = await h.call('read', 'config');
    expect(read?.data).toMatchObject({
      kubernetes_host: 'https://10.0.0.1:6443',
      disable_iss_validation: true,
      disable_local_ca_jwt: false,
      token_reviewer_jwt_set: true,
    });
    expect(JSON.stringify(read)).not.toContain('reviewer-secret-jwt');
    await expect(
      h.call('update', 'config', { kubernetes_host: 'x', pem_keys: 'not a key' }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('requires bound names and namespaces, not both "*"', async () => {
    const { h } = await setup();
    await expect(
      h.call('update', 'role/x', { bound_service_account_names: 'a' }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      h.call('update', 'role/x', {
        bound_service_account_names: '*',
        bound_service_account_namespaces: '*',
      }),
    ).rejects.toMatchObject({ status: 400 });
    expect((await h.call('read', 'role/api'))?.data).toMatchObject({
      bound_service_account_names: ['api'],
      bound_service_account_namespaces: ['payments'],
      alias_name_source: 'serviceaccount_uid',
      token_policies: ['payments-api'],
      token_ttl: 3600,
    });
    expect((await h.call('list', 'role'))?.data).toEqual({ keys: ['api'] });
  });
});

describe('kubernetes login', () => {
  it('logs in with metadata from the service account', async () => {
    const { h, issue, reviewer } = await setup({ reviewerJwt: 'reviewer-jwt' });
    const jwt = await issue(APP);
    const response = await login(h, jwt);
    expect(response?.auth).toMatchObject({
      policies: ['payments-api'],
      ttlMs: 3_600_000,
      displayName: 'kubernetes-payments-api',
      metadata: {
        service_account_name: 'api',
        service_account_namespace: 'payments',
        service_account_uid: 'uid-1234',
        service_account_secret_name: '',
        role: 'api',
      },
      internal: { role: 'api', alias: 'uid-1234' },
    });
    expect(reviewer.calls[0]).toMatchObject({
      host: 'https://10.0.0.1:6443',
      bearer: 'reviewer-jwt',
      token: jwt,
      audiences: [],
    });
  });

  it("reviews with the client's own JWT when no reviewer is configured", async () => {
    const { h, issue, reviewer } = await setup();
    const jwt = await issue(APP);
    await login(h, jwt);
    expect(reviewer.calls[0]?.bearer).toBe(jwt);
  });

  it('accepts legacy secret-based tokens and globs', async () => {
    const { h, issue } = await setup({
      role: { bound_service_account_names: 'api-*', bound_service_account_namespaces: 'pay*' },
    });
    const account = { namespace: 'payments-eu', name: 'api-v2', uid: 'uid-9' };
    const response = await login(h, await issue(account, { legacy: true }));
    expect(response?.auth?.metadata).toMatchObject({
      service_account_name: 'api-v2',
      service_account_secret_name: 'api-v2-token-abcde',
    });
  });

  it('refuses a wrong service account or namespace', async () => {
    const { h, issue, reviewer } = await setup();
    await expect(login(h, await issue({ ...APP, name: 'other' }))).rejects.toMatchObject({
      status: 403,
      message: 'service account name not authorized',
    });
    await expect(login(h, await issue({ ...APP, namespace: 'default' }))).rejects.toMatchObject({
      status: 403,
      message: 'namespace not authorized',
    });
    expect(reviewer.calls).toHaveLength(0);
  });

  it('refuses a token the TokenReview does not authenticate', async () => {
    const { h, key } = await setup();
    const unknown = await saToken(key.privateKey, APP);
    await expect(login(h, unknown)).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('lookup failed') as unknown,
    });
  });

  it('refuses a review naming a different service account', async () => {
    const { h, key, known } = await setup();
    const jwt = await saToken(key.privateKey, APP);
    known.set(jwt, {
      account: { ...APP, uid: 'recreated' },
      audiences: ['https://kubernetes.default.svc'],
    });
    await expect(login(h, jwt)).rejects.toMatchObject({ status: 403 });
  });

  it('checks the role audience in the token and in the review', async () => {
    const { h, issue, reviewer } = await setup({ role: { audience: 'strongroom' } });
    await expect(login(h, await issue(APP))).rejects.toMatchObject({
      status: 403,
      message: 'invalid audience (aud) claim',
    });
    const ok = await login(h, await issue(APP, { aud: ['strongroom'] }));
    expect(ok?.auth).toBeDefined();
    expect(reviewer.calls.at(-1)?.audiences).toEqual(['strongroom']);
  });

  it('checks signatures locally when pem_keys are set', async () => {
    const signing = await keyPair();
    const { h, known } = await setup({ pemKeys: [signing.pem] });
    const good = await saToken(signing.privateKey, APP);
    known.set(good, { account: APP, audiences: ['https://kubernetes.default.svc'] });
    expect((await login(h, good))?.auth).toBeDefined();
    const forged = await saToken((await keyPair()).privateKey, APP);
    known.set(forged, { account: APP, audiences: ['https://kubernetes.default.svc'] });
    await expect(login(h, forged)).rejects.toMatchObject({ status: 403 });
    const expired = await saToken(signing.privateKey, APP, { nowS: 1_000_000 });
    await expect(login(h, expired)).rejects.toMatchObject({
      status: 403,
      message: 'token is expired',
    });
  });

  it('validates the issuer when asked to', async () => {
    const { h, issue } = await setup();
    await h.call('update', 'config', {
      kubernetes_host: 'https://10.0.0.1:6443',
      disable_iss_validation: false,
      issuer: 'https://kubernetes.default.svc.cluster.local',
    });
    expect((await login(h, await issue(APP)))?.auth).toBeDefined();
    await expect(login(h, await issue(APP, { iss: 'https://other' }))).rejects.toMatchObject({
      status: 403,
    });
  });

  it('refuses garbage and never echoes the JWT', async () => {
    const { h, issue } = await setup();
    await expect(login(h, 'garbage')).rejects.toMatchObject({ status: 400 });
    const jwt = await issue({ ...APP, name: 'intruder' });
    const error = await login(h, jwt).catch((e: unknown) => e);
    expect(`${String(error)} ${JSON.stringify(error)}`).not.toContain(jwt.split('.')[1]);
    expect((error as Error).cause).toBeUndefined();
    expect(h.log.text()).not.toContain(jwt.split('.')[1]);
  });
});

describe('reviewToken', () => {
  it('speaks the TokenReview protocol', async () => {
    let seen: Record<string, unknown> = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        seen = { method: req.method, url: req.url, auth: req.headers.authorization, body };
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            ...body,
            status: {
              authenticated: true,
              user: { username: 'system:serviceaccount:a:b', uid: 'u', groups: [] },
              audiences: ['x'],
            },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const result = await reviewToken({
        host: `http://127.0.0.1:${port}/`,
        caPem: '',
        bearer: 'reviewer',
        token: 'the-token',
        audiences: ['x'],
      });
      expect(seen).toEqual({
        method: 'POST',
        url: TOKEN_REVIEW_PATH,
        auth: 'Bearer reviewer',
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenReview',
          spec: { token: 'the-token', audiences: ['x'] },
        },
      });
      expect(result).toEqual({
        authenticated: true,
        username: 'system:serviceaccount:a:b',
        uid: 'u',
        audiences: ['x'],
        error: '',
      });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await expect(
      reviewToken({
        host: 'http://127.0.0.1:1',
        caPem: '',
        bearer: 'b',
        token: 't',
        audiences: [],
      }),
    ).rejects.toMatchObject({ status: 503 });
  });
});
