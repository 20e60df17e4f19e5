/**
 * The token auth method (`auth/token/`). Tokens to look up, renew or revoke always travel in the
 * request body, never in the URL path, so they cannot end up in access logs or error messages.
 */
import type { VaultResponse } from '@strongroom/protocol';
import { VaultResponseError } from './errors.ts';
import type { VaultClient } from './vault-client.ts';

export interface TokenCreateInput {
  readonly policies?: readonly string[];
  readonly meta?: Readonly<Record<string, string>>;
  /** Durations: integer seconds or strings such as `"1h"`. */
  readonly ttl?: string | number;
  readonly explicitMaxTtl?: string | number;
  readonly period?: string | number;
  /** Create an orphan token (`auth/token/create-orphan`); needs root or sudo on that path. */
  readonly orphan?: boolean;
  readonly noDefaultPolicy?: boolean;
  readonly displayName?: string;
  readonly numUses?: number;
  readonly renewable?: boolean;
  readonly type?: 'service' | 'batch';
  /** Create against a token role (`auth/token/create/<role>`). */
  readonly role?: string;
  readonly id?: string;
}

export interface SignalOption {
  readonly signal?: AbortSignal;
}

export class TokenApi {
  readonly #client: VaultClient;
  constructor(client: VaultClient) {
    this.#client = client;
  }

  /** Creates a token; its `client_token` is in `auth`. */
  async create(input: TokenCreateInput = {}, options: SignalOption = {}): Promise<VaultResponse> {
    const path =
      input.role !== undefined
        ? `auth/token/create/${input.role}`
        : input.orphan === true
          ? 'auth/token/create-orphan'
          : 'auth/token/create';
    return this.#post(path, tokenCreateBody(input), options);
  }

  async lookupSelf(options: SignalOption = {}): Promise<VaultResponse> {
    return required(
      await this.#client.read('auth/token/lookup-self', options),
      'auth/token/lookup-self',
    );
  }

  async lookup(token: string, options: SignalOption = {}): Promise<VaultResponse> {
    return this.#post('auth/token/lookup', { token }, options);
  }

  async lookupAccessor(accessor: string, options: SignalOption = {}): Promise<VaultResponse> {
    return this.#post('auth/token/lookup-accessor', { accessor }, options);
  }

  /** Renews the client's own token; `increment` is a requested TTL (seconds or `"1h"`). */
  async renewSelf(increment?: string | number, options: SignalOption = {}): Promise<VaultResponse> {
    return this.#post(
      'auth/token/renew-self',
      increment === undefined ? {} : { increment },
      options,
    );
  }

  async renew(
    token: string,
    increment?: string | number,
    options: SignalOption = {},
  ): Promise<VaultResponse> {
    return this.#post(
      'auth/token/renew',
      { token, ...(increment === undefined ? {} : { increment }) },
      options,
    );
  }

  async renewAccessor(
    accessor: string,
    increment?: string | number,
    options: SignalOption = {},
  ): Promise<VaultResponse> {
    return this.#post(
      'auth/token/renew-accessor',
      { accessor, ...(increment === undefined ? {} : { increment }) },
      options,
    );
  }

  /** Revokes a token and its children. Revoking a token that is already gone succeeds. */
  async revoke(token: string, options: SignalOption = {}): Promise<void> {
    await this.#client.request('POST', 'auth/token/revoke', { ...options, body: { token } });
  }

  /** Revokes a token but not its children, which become orphans (needs sudo). */
  async revokeOrphan(token: string, options: SignalOption = {}): Promise<void> {
    await this.#client.request('POST', 'auth/token/revoke-orphan', { ...options, body: { token } });
  }

  async revokeAccessor(accessor: string, options: SignalOption = {}): Promise<void> {
    await this.#client.request('POST', 'auth/token/revoke-accessor', {
      ...options,
      body: { accessor },
    });
  }

  async revokeSelf(options: SignalOption = {}): Promise<void> {
    await this.#client.request('POST', 'auth/token/revoke-self', options);
  }

  async #post(
    path: string,
    body: Readonly<Record<string, unknown>>,
    options: SignalOption,
  ): Promise<VaultResponse> {
    return required(await this.#client.write(path, body, options), path);
  }
}

/** The API body of a token creation: camelCase options to Vault's field names. */
export function tokenCreateBody(input: TokenCreateInput): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (input.policies !== undefined) body.policies = [...input.policies];
  if (input.meta !== undefined) body.meta = { ...input.meta };
  if (input.ttl !== undefined) body.ttl = input.ttl;
  if (input.explicitMaxTtl !== undefined) body.explicit_max_ttl = input.explicitMaxTtl;
  if (input.period !== undefined) body.period = input.period;
  if (input.noDefaultPolicy !== undefined) body.no_default_policy = input.noDefaultPolicy;
  if (input.displayName !== undefined) body.display_name = input.displayName;
  if (input.numUses !== undefined) body.num_uses = input.numUses;
  if (input.renewable !== undefined) body.renewable = input.renewable;
  if (input.type !== undefined) body.type = input.type;
  if (input.id !== undefined) body.id = input.id;
  return body;
}

function required(envelope: VaultResponse | undefined, path: string): VaultResponse {
  if (envelope === undefined) throw new VaultResponseError('POST', path, 204, 'empty response');
  return envelope;
}
