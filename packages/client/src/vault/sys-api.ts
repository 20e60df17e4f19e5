/**
 * The `sys/` endpoints the CLI, the agent and tests use: seal state, mounts, auth methods and
 * ACL policies. Unauthenticated ones (`health`, `seal-status`, `init`, `unseal`) work without a
 * token; the rest need one with `sudo` or the matching capability.
 */
import { isRecord, stringField } from './envelope.ts';
import { VaultResponseError } from './errors.ts';
import type { VaultClient } from './vault-client.ts';

/** `sys/health`. Its status code encodes the state; the body says the same in fields. */
export interface HealthStatus {
  readonly initialized: boolean;
  readonly sealed: boolean;
  readonly standby: boolean;
  readonly version?: string;
  readonly cluster_name?: string;
  readonly cluster_id?: string;
  readonly server_time_utc?: number;
  readonly [key: string]: unknown;
}

/** `sys/seal-status`. */
export interface SealStatus {
  readonly type: string;
  readonly initialized: boolean;
  readonly sealed: boolean;
  readonly t: number;
  readonly n: number;
  readonly progress: number;
  readonly nonce?: string;
  readonly version?: string;
  readonly storage_type?: string;
  readonly cluster_name?: string;
  readonly cluster_id?: string;
  readonly [key: string]: unknown;
}

/** `sys/init`: the unseal keys and the initial root token. Handle as secrets. */
export interface InitResponse {
  readonly keys: string[];
  readonly keys_base64: string[];
  readonly root_token: string;
  readonly [key: string]: unknown;
}

/** One entry of `sys/mounts` or `sys/auth`. */
export interface MountOutput {
  readonly type: string;
  readonly description: string;
  readonly accessor: string;
  readonly config?: Readonly<Record<string, unknown>>;
  readonly options: Readonly<Record<string, string>> | null;
  readonly local?: boolean;
  readonly seal_wrap?: boolean;
  readonly [key: string]: unknown;
}

export interface EnableMountInput {
  readonly type: string;
  readonly description?: string;
  /** `default_lease_ttl`, `max_lease_ttl` (durations), and the like. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Engine options, e.g. `{ version: '2' }` for KV v2. */
  readonly options?: Readonly<Record<string, string>>;
  readonly local?: boolean;
  readonly seal_wrap?: boolean;
}

export interface SignalOption {
  readonly signal?: AbortSignal;
}

/** Statuses `sys/health` uses for states that are answers, not failures. */
const HEALTH_STATUSES = [429, 472, 473, 501, 503];

export class SysApi {
  readonly #client: VaultClient;
  constructor(client: VaultClient) {
    this.#client = client;
  }

  /** `GET sys/health`; every state (standby, sealed, uninitialized) resolves, as data. */
  async health(options: SignalOption = {}): Promise<HealthStatus> {
    const body = await this.#client.request<HealthStatus>('GET', 'sys/health', {
      ...options,
      acceptStatus: HEALTH_STATUSES,
    });
    return body ?? { initialized: false, sealed: true, standby: false };
  }

  async sealStatus(options: SignalOption = {}): Promise<SealStatus> {
    return required(
      await this.#client.request<SealStatus>('GET', 'sys/seal-status', options),
      'sys/seal-status',
    );
  }

  /** `PUT sys/init`. The response holds the unseal keys and the root token. */
  async init(
    input: { readonly secretShares: number; readonly secretThreshold: number },
    options: SignalOption = {},
  ): Promise<InitResponse> {
    const body = await this.#client.request<InitResponse>('PUT', 'sys/init', {
      ...options,
      body: { secret_shares: input.secretShares, secret_threshold: input.secretThreshold },
    });
    return required(body, 'sys/init');
  }

  /** `PUT sys/unseal` with one key share, or `{ reset: true }` to discard the progress so far. */
  async unseal(
    key: string | { readonly reset: true },
    options: SignalOption = {},
  ): Promise<SealStatus> {
    const body = await this.#client.request<SealStatus>('PUT', 'sys/unseal', {
      ...options,
      body: typeof key === 'string' ? { key } : { reset: true },
    });
    return required(body, 'sys/unseal');
  }

  async seal(options: SignalOption = {}): Promise<void> {
    await this.#client.request('PUT', 'sys/seal', options);
  }

  /** The mounted secrets engines, keyed by path with its trailing slash (`secret/`). */
  async mounts(options: SignalOption = {}): Promise<Record<string, MountOutput>> {
    return mountTable(await this.#client.request<unknown>('GET', 'sys/mounts', options));
  }

  async enableMount(
    path: string,
    input: EnableMountInput,
    options: SignalOption = {},
  ): Promise<void> {
    await this.#client.request('POST', `sys/mounts/${trimSlashes(path)}`, {
      ...options,
      body: input,
    });
  }

  async disableMount(path: string, options: SignalOption = {}): Promise<void> {
    await this.#client.request('DELETE', `sys/mounts/${trimSlashes(path)}`, options);
  }

  /** The enabled auth methods, keyed by path below `auth/` (`token/`). */
  async authMethods(options: SignalOption = {}): Promise<Record<string, MountOutput>> {
    return mountTable(await this.#client.request<unknown>('GET', 'sys/auth', options));
  }

  async enableAuth(
    path: string,
    input: EnableMountInput,
    options: SignalOption = {},
  ): Promise<void> {
    await this.#client.request('POST', `sys/auth/${trimSlashes(path)}`, {
      ...options,
      body: input,
    });
  }

  async disableAuth(path: string, options: SignalOption = {}): Promise<void> {
    await this.#client.request('DELETE', `sys/auth/${trimSlashes(path)}`, options);
  }

  /** ACL policy names (`LIST sys/policies/acl`). */
  async policies(options: SignalOption = {}): Promise<string[]> {
    return this.#client.list('sys/policies/acl', options);
  }

  /** The policy's rules text, or `undefined` when there is no such policy. */
  async readPolicy(name: string, options: SignalOption = {}): Promise<string | undefined> {
    const envelope = await this.#client.read(`sys/policies/acl/${name}`, options);
    return stringField(envelope?.data, 'policy');
  }

  async writePolicy(name: string, rules: string, options: SignalOption = {}): Promise<void> {
    await this.#client.request('PUT', `sys/policies/acl/${name}`, {
      ...options,
      body: { policy: rules },
    });
  }

  /** Deleting a policy that does not exist succeeds. */
  async deletePolicy(name: string, options: SignalOption = {}): Promise<void> {
    await this.#client.request('DELETE', `sys/policies/acl/${name}`, options);
  }
}

/**
 * The mount table of a `sys/mounts` or `sys/auth` answer: under `data` for new servers, at the top
 * level for old ones (entries there are the keys ending in `/`).
 */
export function mountTable(body: unknown): Record<string, MountOutput> {
  if (!isRecord(body)) return {};
  const source = isRecord(body.data) ? body.data : body;
  const table: Record<string, MountOutput> = {};
  for (const [key, value] of Object.entries(source)) {
    if (key.endsWith('/') && isRecord(value) && typeof value.type === 'string') {
      table[key] = {
        ...value,
        type: value.type,
        description: typeof value.description === 'string' ? value.description : '',
        accessor: typeof value.accessor === 'string' ? value.accessor : '',
        options: isRecord(value.options) ? stringRecord(value.options) : null,
      };
    }
  }
  return table;
}

function stringRecord(record: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) {
    if (typeof value === 'string') out[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
  }
  return out;
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

function required<T>(body: T | undefined, path: string): T {
  if (body === undefined) throw new VaultResponseError('GET', path, 204, 'empty response');
  return body;
}
