/**
 * Where login JWTs' verification keys come from, per mount: local PEM keys, a remote JWKS, or
 * the JWKS an OIDC discovery document names. Remote sets are jose's `createRemoteJWKSet`;
 * everything is cached until the config changes.
 *
 * Remote JWKS: jose caches the key set (`cacheMaxAgeMs`) and, on a token whose `kid` it does
 * not know, fetches again, but at most once per `cooldownMs` after a successful fetch. The
 * cooldown bounds how often made-up `kid`s can make us call the identity provider; a real key
 * rotation is picked up once the cooldown has passed. Fetches trust the configured CA.
 */
import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createRemoteJWKSet, customFetch } from 'jose';
import type { JWTVerifyGetKey } from 'jose';
import { LogicalError, badRequest } from '../../logical/errors.ts';
import { fetchWithCa, httpCall } from '../http-client.ts';
import type { JwtConfig } from './path-config.ts';

/**
 * Local PEM keys are tried one by one, whatever the token's `kid` (as Vault does); a remote key
 * set is searched by `kid` and algorithm.
 */
export type KeySource =
  | { readonly kind: 'local'; readonly keys: readonly KeyObject[] }
  | {
      readonly kind: 'remote';
      readonly getKey: JWTVerifyGetKey;
      /** The issuer the discovery document declares (discovery configs only). */
      readonly discoveredIssuer?: string;
    };

export interface KeySourceOptions {
  /** Minimum time between refetches triggered by unknown key IDs (default 1 s). */
  readonly jwksCooldownMs?: number;
  /** How long a fetched key set is trusted before it is fetched again (default 10 min). */
  readonly jwksCacheMaxAgeMs?: number;
  readonly timeoutMs?: number;
}

const DISCOVERY_SUFFIX = '/.well-known/openid-configuration';

export class KeySources {
  readonly #options: KeySourceOptions;
  #cached: { readonly key: string; readonly source: Promise<KeySource> } | undefined;

  constructor(options: KeySourceOptions = {}) {
    this.#options = options;
  }

  /** The key source for `config`, built once per configuration. */
  source(config: JwtConfig): Promise<KeySource> {
    const key = JSON.stringify(config);
    if (this.#cached?.key !== key) {
      const source = this.#build(config);
      const entry = { key, source };
      this.#cached = entry;
      // A failed build (discovery down) is not cached: the next login tries again.
      source.catch(() => {
        if (this.#cached === entry) this.#cached = undefined;
      });
    }
    return this.#cached.source;
  }

  /** Checks that a configuration's remote endpoints answer (config writes). */
  async probe(config: JwtConfig): Promise<void> {
    if (config.oidcDiscoveryUrl !== '') {
      await this.#discover(config);
      return;
    }
    if (config.jwksUrl !== '') {
      const reply = await httpCall(new URL(config.jwksUrl), {
        method: 'GET',
        headers: { accept: 'application/json' },
        ...this.#call(config.jwksCaPem),
      });
      if (reply.status !== 200) throw badRequest(`jwks_url answered ${reply.status}`);
      if (!isKeySet(parseJson(reply.body))) throw badRequest('jwks_url did not return a JWKS');
    }
  }

  invalidate(): void {
    this.#cached = undefined;
  }

  async #build(config: JwtConfig): Promise<KeySource> {
    if (config.jwtValidationPubkeys.length > 0) {
      return {
        kind: 'local',
        keys: config.jwtValidationPubkeys.map((pem) => createPublicKey(pem)),
      };
    }
    if (config.jwksUrl !== '') {
      return { kind: 'remote', getKey: this.#remote(config.jwksUrl, config.jwksCaPem) };
    }
    const discovered = await this.#discover(config);
    return {
      kind: 'remote',
      getKey: this.#remote(discovered.jwksUri, config.oidcDiscoveryCaPem),
      discoveredIssuer: discovered.issuer,
    };
  }

  #remote(url: string, caPem: string): JWTVerifyGetKey {
    return createRemoteJWKSet(new URL(url), {
      cooldownDuration: this.#options.jwksCooldownMs ?? 1_000,
      cacheMaxAge: this.#options.jwksCacheMaxAgeMs ?? 600_000,
      timeoutDuration: this.#options.timeoutMs ?? 10_000,
      [customFetch]: fetchWithCa(caPem === '' ? undefined : caPem, this.#options.timeoutMs),
    });
  }

  async #discover(config: JwtConfig): Promise<{ issuer: string; jwksUri: string }> {
    const base = config.oidcDiscoveryUrl.replace(/\/+$/, '');
    const url = base.endsWith(DISCOVERY_SUFFIX) ? base : base + DISCOVERY_SUFFIX;
    const reply = await httpCall(new URL(url), {
      method: 'GET',
      headers: { accept: 'application/json' },
      ...this.#call(config.oidcDiscoveryCaPem),
    });
    if (reply.status !== 200) {
      throw new LogicalError(
        'upstream_unavailable',
        503,
        `OIDC discovery answered ${reply.status}`,
      );
    }
    const doc = parseJson(reply.body);
    const issuer = typeof doc?.['issuer'] === 'string' ? doc['issuer'] : '';
    const jwksUri = typeof doc?.['jwks_uri'] === 'string' ? doc['jwks_uri'] : '';
    if (jwksUri === '' || !URL.canParse(jwksUri)) {
      throw badRequest('the OIDC discovery document names no jwks_uri');
    }
    // The provider must claim the URL it was discovered at (OIDC Discovery 1.0, section 4.3).
    const expected = base.endsWith(DISCOVERY_SUFFIX)
      ? base.slice(0, -DISCOVERY_SUFFIX.length)
      : base;
    if (issuer.replace(/\/+$/, '') !== expected) {
      throw badRequest('the OIDC discovery issuer does not match oidc_discovery_url');
    }
    return { issuer, jwksUri };
  }

  #call(caPem: string) {
    return {
      ...(caPem === '' ? {} : { caPem }),
      ...(this.#options.timeoutMs === undefined ? {} : { timeoutMs: this.#options.timeoutMs }),
    };
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function isKeySet(doc: Record<string, unknown> | undefined): boolean {
  return Array.isArray(doc?.['keys']);
}
