/**
 * Client errors and their classification.
 *
 * Transient errors (timeouts, refused or reset connections, HTTP 5xx and 429) may be retried
 * and may fall back to a cached value; permanent errors (other 4xx, not found, permission
 * denied) surface at once. An error names the path and provider, never a secret value.
 */

export type ErrorClass = 'transient' | 'permanent';

/** Base class of every error the client raises. */
export class SecretsError extends Error {
  readonly code: string;
  readonly path: string | undefined;
  constructor(code: string, message: string, options?: { path?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SecretsError';
    this.code = code;
    this.path = options?.path;
  }
}

/** The secret does not exist at the source. Permanent. */
export class SecretNotFoundError extends SecretsError {
  constructor(path: string, provider: string) {
    super('not_found', `secret "${path}" not found in provider "${provider}"`, { path });
    this.name = 'SecretNotFoundError';
  }
}

/** The source refused access. Permanent. */
export class PermissionDeniedError extends SecretsError {
  constructor(path: string, provider: string) {
    super('permission_denied', `permission denied reading "${path}" from provider "${provider}"`, {
      path,
    });
    this.name = 'PermissionDeniedError';
  }
}

/** An HTTP-speaking provider got a non-success status. 5xx and 429 are transient. */
export class ProviderHttpError extends SecretsError {
  readonly status: number;
  constructor(status: number, message: string, options?: { path?: string; cause?: unknown }) {
    super(`http_${status}`, message, options);
    this.name = 'ProviderHttpError';
    this.status = status;
  }
}

/** One attempt took longer than the per-attempt timeout. Transient. */
export class ProviderTimeoutError extends SecretsError {
  constructor(path: string, provider: string, timeoutMs: number) {
    super(
      'timeout',
      `fetching "${path}" from provider "${provider}" timed out after ${timeoutMs} ms`,
      {
        path,
      },
    );
    this.name = 'ProviderTimeoutError';
  }
}

/** A network-level failure (connection refused or reset, DNS). Transient. */
export class ProviderUnavailableError extends SecretsError {
  constructor(message: string, options?: { path?: string; cause?: unknown }) {
    super('unavailable', message, options);
    this.name = 'ProviderUnavailableError';
  }
}

/**
 * The provider's circuit breaker is open and no usable cached value exists, so the client
 * failed fast instead of calling the provider. Transient: it clears when the circuit closes.
 */
export class CircuitOpenError extends SecretsError {
  readonly provider: string;
  constructor(provider: string, path: string) {
    super(
      'circuit_open',
      `circuit for provider "${provider}" is open: not fetching "${path}" and no usable cached value`,
      { path },
    );
    this.name = 'CircuitOpenError';
    this.provider = provider;
  }
}

/** The `SecretsManager` was closed; it will never fetch again. Permanent. */
export class ClientClosedError extends SecretsError {
  constructor(path?: string) {
    super(
      'closed',
      path === undefined
        ? 'the SecretsManager is closed'
        : `the SecretsManager is closed: cannot get "${path}"`,
      path === undefined ? undefined : { path },
    );
    this.name = 'ClientClosedError';
  }
}

/**
 * A provider failed with an error that is not one of ours. The message and `cause` carry only the
 * original error's name and code: foreign messages can quote what they failed on (a JSON parse
 * error quotes the secret it could not parse), so they never travel further.
 */
export class SecretFetchError extends SecretsError {
  readonly provider: string;
  readonly errorClass: ErrorClass;
  constructor(path: string, provider: string, errorClass: ErrorClass, original: unknown) {
    const summary = summarizeError(original);
    super(
      'fetch_failed',
      `fetching "${path}" from provider "${provider}" failed (${errorClass}): ${summary}`,
      { path, cause: new Error(summary) },
    );
    this.name = 'SecretFetchError';
    this.provider = provider;
    this.errorClass = errorClass;
  }
}

/** `Name (CODE)` of an error, never its message. */
function summarizeError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return typeof error;
  const { name, code } = error as { name?: unknown; code?: unknown };
  const label = typeof name === 'string' ? name : 'Error';
  return typeof code === 'string' || typeof code === 'number' ? `${label} (${code})` : label;
}

const TRANSIENT_SYSCALL_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Decides whether an error is worth retrying and may be covered by a stale value. */
export function classifyError(error: unknown): ErrorClass {
  if (
    error instanceof ProviderTimeoutError ||
    error instanceof ProviderUnavailableError ||
    error instanceof CircuitOpenError
  ) {
    return 'transient';
  }
  if (error instanceof SecretFetchError) return error.errorClass;
  if (error instanceof ProviderHttpError) {
    return error.status >= 500 || error.status === 429 ? 'transient' : 'permanent';
  }
  if (error instanceof SecretsError) return 'permanent';
  if (typeof error === 'object' && error !== null) {
    const { code, name, status, statusCode } = error as {
      code?: unknown;
      name?: unknown;
      status?: unknown;
      statusCode?: unknown;
    };
    if (typeof code === 'string' && TRANSIENT_SYSCALL_CODES.has(code)) return 'transient';
    if (name === 'AbortError' || name === 'TimeoutError') return 'transient';
    const httpStatus = typeof status === 'number' ? status : statusCode;
    if (typeof httpStatus === 'number') {
      return httpStatus >= 500 || httpStatus === 429 ? 'transient' : 'permanent';
    }
    const cause = (error as { cause?: unknown }).cause;
    if (cause !== undefined && cause !== error) return classifyError(cause);
  }
  // An unknown failure (a bug, a parse error) is not something waiting will fix.
  return 'permanent';
}
