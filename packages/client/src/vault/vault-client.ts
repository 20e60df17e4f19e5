/**
 * VaultClient: a small HTTP client for the Vault API, spoken by Strongroom and by Vault.
 *
 * Contract:
 * - Every request goes to `<address>/v1/<path>` with `X-Vault-Request: true` and, when a token is
 *   set, `X-Vault-Token`. Bodies are JSON.
 * - A status of 400 or more throws `VaultApiError` (a `ProviderHttpError`) with the status and the
 *   server's `errors`. A network failure throws `ProviderUnavailableError`; running past
 *   `timeoutMs` throws `ProviderTimeoutError`. An abort through the caller's `signal` rethrows the
 *   signal's reason unchanged (the caller decided, so the caller classifies).
 * - No error message or log line carries a request body, a token or response data.
 * - `request` returns the parsed JSON body, or `undefined` for 204 and empty bodies.
 *
 * The client holds no sockets or timers of its own, so it needs no `close()`.
 */
import { STATUS_CODES } from 'node:http';
import type { VaultResponse } from '@strongroom/protocol';
import { ProviderTimeoutError, ProviderUnavailableError } from '../errors.ts';
import { errorStrings, isRecord, listKeys, toEnvelope } from './envelope.ts';
import { VaultApiError, VaultResponseError } from './errors.ts';
import { KvApi } from './kv-api.ts';
import { buildUrl, normalizeApiPath } from './paths.ts';
import type { QueryValue } from './paths.ts';
import { SysApi } from './sys-api.ts';
import { TokenApi } from './token-api.ts';

export type FetchFunction = (input: URL, init: RequestInit) => Promise<Response>;

export interface VaultClientOptions {
  /** The server, e.g. `http://127.0.0.1:8200` (no `/v1`). */
  readonly address: string;
  readonly token?: string;
  /** Injectable transport; default the global `fetch`. */
  readonly fetch?: FetchFunction;
  /** Per-request timeout; default 60 s (as Vault's CLI). 0 disables it. */
  readonly timeoutMs?: number;
  /** Extra headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as `X-Vault-Namespace` (Vault Enterprise; Strongroom ignores it). */
  readonly namespace?: string;
  /**
   * How `list` asks: the `LIST` verb (default, as Vault's CLI) or `GET` with `?list=true`, which
   * Vault treats the same. `GET` is for paths through proxies built on Node's HTTP parser, which
   * rejects the unregistered `LIST` method with a bare 400 before a handler sees it.
   */
  readonly listVerb?: 'GET' | 'LIST';
}

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE' | 'LIST' | 'HEAD';

export interface RequestOptions {
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly signal?: AbortSignal;
  /** Overrides the JSON content type (`PATCH` uses `application/merge-patch+json`). */
  readonly contentType?: string;
  /** Statuses of 400 and above that are answers, not errors (`sys/health` encodes state so). */
  readonly acceptStatus?: readonly number[];
}

const DEFAULT_TIMEOUT_MS = 60_000;
const PROVIDER_NAME = 'vault';

export class VaultClient {
  readonly address: string;
  readonly sys: SysApi;
  readonly token: TokenApi;
  readonly kv: KvApi;
  #token: string | undefined;
  readonly #fetch: FetchFunction;
  readonly #timeoutMs: number;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #listVerb: 'GET' | 'LIST';

  constructor(options: VaultClientOptions) {
    if (!/^https?:\/\/[^/@]*$|^https?:\/\/[^/@]*\//i.test(options.address)) {
      // Never echo the address: it may carry credentials (`https://user:pass@host`).
      throw new TypeError(
        'invalid Vault address: expected http:// or https:// and no credentials in the address',
      );
    }
    this.address = options.address.replace(/\/+$/, '');
    this.#token = options.token === '' ? undefined : options.token;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#listVerb = options.listVerb ?? 'LIST';
    this.#headers = {
      ...options.headers,
      ...(options.namespace === undefined || options.namespace === ''
        ? {}
        : { 'X-Vault-Namespace': options.namespace }),
    };
    this.sys = new SysApi(this);
    this.token = new TokenApi(this);
    this.kv = new KvApi(this);
  }

  /** Whether a token is set (the token itself is never exposed through a getter or `inspect`). */
  get hasToken(): boolean {
    return this.#token !== undefined;
  }

  /** Replaces the token used by later requests (after a login, or `undefined` to clear it). */
  setToken(token: string | undefined): void {
    this.#token = token === '' ? undefined : token;
  }

  /** A client for the same server with another token (same transport, timeout and headers). */
  withToken(token: string | undefined): VaultClient {
    return new VaultClient({
      address: this.address,
      fetch: this.#fetch,
      timeoutMs: this.#timeoutMs,
      headers: this.#headers,
      listVerb: this.#listVerb,
      ...(token === undefined ? {} : { token }),
    });
  }

  /**
   * Sends one request and returns the parsed JSON body (typed by the caller, not validated), or
   * `undefined` for 204 and empty bodies.
   */
  async request<T = VaultResponse>(
    method: HttpMethod,
    path: string,
    options: RequestOptions = {},
  ): Promise<T | undefined> {
    const reply = await this.#send(method, path, options);
    if (reply.status >= 400 && options.acceptStatus?.includes(reply.status) !== true) {
      throw apiError(method, reply);
    }
    if (reply.status === 204 || reply.empty) return undefined;
    if (!reply.json) {
      throw new VaultResponseError(method, reply.apiPath, reply.status, 'response is not JSON');
    }
    return reply.value as T;
  }

  /**
   * Reads a path. A 404 without error strings (Vault's "nothing here") returns `undefined`, unless
   * it still carries `data` (a deleted KV v2 version keeps its metadata there): then it returns
   * that envelope, as Vault's own client does. A 404 with errors (no such route) throws.
   */
  async read(
    path: string,
    options: Pick<RequestOptions, 'query' | 'signal'> = {},
  ): Promise<VaultResponse | undefined> {
    const reply = await this.#send('GET', path, options);
    if (reply.status === 404 && errorStrings(reply.value).length === 0) {
      const envelope = toEnvelope(reply.value);
      return envelope === undefined || envelope.data === null ? undefined : envelope;
    }
    if (reply.status >= 400) throw apiError('GET', reply);
    if (reply.status === 204 || reply.empty) return undefined;
    if (!reply.json) {
      throw new VaultResponseError('GET', reply.apiPath, reply.status, 'response is not JSON');
    }
    return envelopeOf('GET', path, reply.value);
  }

  async #send(method: HttpMethod, path: string, options: RequestOptions): Promise<Reply> {
    const apiPath = normalizeApiPath(path);
    const url = buildUrl(this.address, apiPath, options.query);
    const headers: Record<string, string> = { ...this.#headers, 'X-Vault-Request': 'true' };
    if (this.#token !== undefined) headers['X-Vault-Token'] = this.#token;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['Content-Type'] = options.contentType ?? 'application/json';
    }

    const timeout = this.#timeoutMs > 0 ? AbortSignal.timeout(this.#timeoutMs) : undefined;
    const signals = [options.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length === 0 ? undefined : AbortSignal.any(signals);

    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(signal === undefined ? {} : { signal }),
      });
      text = method === 'HEAD' ? '' : await response.text();
    } catch (error) {
      throw this.#transportError(method, apiPath, error, options.signal, timeout);
    }
    const status = response.status;
    const statusText =
      response.statusText === '' ? (STATUS_CODES[status] ?? '') : response.statusText;
    if (text.trim() === '') {
      return { apiPath, status, statusText, empty: true, json: true, value: undefined };
    }
    try {
      const value = JSON.parse(text) as unknown;
      return { apiPath, status, statusText, empty: false, json: true, value };
    } catch {
      // JSON.parse's message quotes the text it failed on, so it is dropped here.
      return { apiPath, status, statusText, empty: false, json: false, value: undefined };
    }
  }

  /** Writes a path with `PUT` (the same operation as `POST`). `undefined` for 204. */
  async write(
    path: string,
    data: Readonly<Record<string, unknown>> = {},
    options: Pick<RequestOptions, 'query' | 'signal'> = {},
  ): Promise<VaultResponse | undefined> {
    return envelopeOf(
      'PUT',
      path,
      await this.request<unknown>('PUT', path, { ...options, body: data }),
    );
  }

  /** JSON merge-patch of a path (`PATCH`, `application/merge-patch+json`). */
  async patch(
    path: string,
    data: Readonly<Record<string, unknown>>,
    options: Pick<RequestOptions, 'signal'> = {},
  ): Promise<VaultResponse | undefined> {
    return envelopeOf(
      'PATCH',
      path,
      await this.request<unknown>('PATCH', path, {
        ...options,
        body: data,
        contentType: 'application/merge-patch+json',
      }),
    );
  }

  /** Lists the keys under a path (`LIST`, or `GET ?list=true`: see `listVerb`). A 404 is an empty list. */
  async list(path: string, options: Pick<RequestOptions, 'signal'> = {}): Promise<string[]> {
    const method = this.#listVerb;
    try {
      const body = await this.request<unknown>(method, path, {
        ...options,
        ...(method === 'GET' ? { query: { list: 'true' } } : {}),
      });
      return listKeys(envelopeOf(method, path, body));
    } catch (error) {
      if (error instanceof VaultApiError && error.status === 404) return [];
      throw error;
    }
  }

  /** Deletes a path. `undefined` for 204. */
  async delete(
    path: string,
    options: Pick<RequestOptions, 'query' | 'signal'> = {},
  ): Promise<VaultResponse | undefined> {
    return envelopeOf('DELETE', path, await this.request<unknown>('DELETE', path, options));
  }

  #transportError(
    method: string,
    apiPath: string,
    error: unknown,
    callerSignal: AbortSignal | undefined,
    timeout: AbortSignal | undefined,
  ): unknown {
    if (callerSignal?.aborted === true) return callerSignal.reason;
    if (timeout?.aborted === true) {
      return new ProviderTimeoutError(`${method} ${apiPath}`, PROVIDER_NAME, this.#timeoutMs);
    }
    const code = networkCode(error);
    // The cause keeps only the failure's name and code: fetch's own messages can quote a
    // header value (the token) or the address (with any credentials in it).
    const cause = Object.assign(new Error(code ?? 'fetch failed'), {
      name: error instanceof Error ? error.name : 'Error',
      ...(code === undefined ? {} : { code }),
    });
    return new ProviderUnavailableError(
      `${method} ${apiPath}: cannot reach ${this.address}${code === undefined ? '' : ` (${code})`}`,
      { path: apiPath, cause },
    );
  }
}

interface Reply {
  readonly apiPath: string;
  readonly status: number;
  readonly statusText: string;
  /** The body was empty (or whitespace). */
  readonly empty: boolean;
  /** The body parsed as JSON (an empty body counts, with value `undefined`). */
  readonly json: boolean;
  readonly value: unknown;
}

function apiError(method: string, reply: Reply): VaultApiError {
  return new VaultApiError(
    method,
    reply.apiPath,
    reply.status,
    errorStrings(reply.value),
    reply.statusText,
  );
}

function envelopeOf(method: string, path: string, body: unknown): VaultResponse | undefined {
  if (body === undefined) return undefined;
  const envelope = toEnvelope(body);
  if (envelope === undefined) {
    throw new VaultResponseError(
      method,
      normalizeApiPath(path),
      200,
      'response is not a JSON object',
    );
  }
  return envelope;
}

/** The syscall or undici code of a fetch failure (`ECONNREFUSED`), looked up through `cause`. */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && isRecord(current); depth++) {
    if (typeof current.code === 'string') return current.code;
    current = current.cause;
  }
  return undefined;
}
