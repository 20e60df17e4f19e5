/**
 * Errors of the Vault HTTP client.
 *
 * `VaultApiError` is a `ProviderHttpError`, so `classifyError` treats 5xx and 429 as transient and
 * every other status as permanent without knowing about Vault. Its message names the verb, the
 * request path, the status and the server's first error string. It never carries a request body,
 * a token or a response's data: only what the server put in `errors`, which Vault-compatible
 * servers keep free of secret values.
 */
import { ProviderHttpError } from '../errors.ts';

export class VaultApiError extends ProviderHttpError {
  readonly method: string;
  /** The API path, relative to `/v1/`, as the caller named it. */
  readonly apiPath: string;
  /** The server's `errors` strings (possibly empty, as for a KV read of a missing secret). */
  readonly errors: readonly string[];
  constructor(
    method: string,
    apiPath: string,
    status: number,
    errors: readonly string[],
    statusText: string,
  ) {
    const reason = errors.find((e) => e !== '') ?? (statusText === '' ? 'error' : statusText);
    super(status, `${method} ${apiPath}: ${status} ${reason}`, { path: apiPath });
    this.name = 'VaultApiError';
    this.method = method;
    this.apiPath = apiPath;
    this.errors = [...errors];
  }
}

/** A response that is not what the API promises (not JSON, not an object). Permanent. */
export class VaultResponseError extends ProviderHttpError {
  constructor(method: string, apiPath: string, status: number, problem: string) {
    super(status, `${method} ${apiPath}: ${status} ${problem}`, { path: apiPath });
    this.name = 'VaultResponseError';
  }
}
