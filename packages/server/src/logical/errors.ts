/**
 * Typed errors. Each carries a stable `code` and the HTTP `status` Vault answers with; only the
 * HTTP layer renders them as `{"errors": [...]}`. Nobody branches on message text.
 *
 * Messages are written for the API caller: they name paths, fields and mounts, never a secret
 * value, token or key. docs/errors.md lists every code.
 */

export type ErrorCode =
  | 'bad_request'
  | 'invalid_json'
  | 'invalid_field'
  | 'missing_field'
  | 'invalid_duration'
  | 'invalid_policy'
  | 'unsupported_operation'
  | 'unsupported_path'
  | 'not_found'
  | 'permission_denied'
  | 'missing_token'
  | 'invalid_token'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'method_not_allowed'
  | 'rate_limited'
  | 'sealed'
  | 'not_initialized'
  | 'already_initialized'
  | 'invalid_key'
  | 'check_and_set'
  | 'lease_not_found'
  | 'mount_conflict'
  | 'mount_not_found'
  | 'audit_failed'
  | 'upstream_unavailable'
  | 'internal';

export class LogicalError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /**
   * The strings of the `errors` array. Usually `[message]`; a KV read of a missing secret
   * answers with an empty list, as Vault does.
   */
  readonly errors: readonly string[];
  /** Extra body for errors that still carry data (a KV v2 read of a deleted version). */
  readonly data: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    status: number,
    message: string,
    options?: { errors?: readonly string[]; data?: Record<string, unknown>; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LogicalError';
    this.code = code;
    this.status = status;
    this.errors = options?.errors ?? [message];
    this.data = options?.data;
  }
}

export const badRequest = (message: string, code: ErrorCode = 'bad_request'): LogicalError =>
  new LogicalError(code, 400, message);

export const invalidField = (field: string, reason: string): LogicalError =>
  new LogicalError('invalid_field', 400, `invalid value for field "${field}": ${reason}`);

export const missingField = (field: string): LogicalError =>
  new LogicalError('missing_field', 400, `missing required field "${field}"`);

export const permissionDenied = (): LogicalError =>
  new LogicalError('permission_denied', 403, 'permission denied');

export const notFound = (
  message = 'not found',
  options?: { errors?: readonly string[]; data?: Record<string, unknown> },
): LogicalError => new LogicalError('not_found', 404, message, options);

export const unsupportedPath = (path: string): LogicalError =>
  new LogicalError('unsupported_path', 404, `unsupported path: ${path}`);

export const unsupportedOperation = (operation: string, path: string): LogicalError =>
  new LogicalError(
    'unsupported_operation',
    405,
    `unsupported operation: ${operation} is not supported on ${path}`,
  );

export const sealedError = (): LogicalError => new LogicalError('sealed', 503, 'Vault is sealed');

export const internalError = (requestId: string): LogicalError =>
  new LogicalError('internal', 500, `internal error (request ${requestId})`);

export function isLogicalError(error: unknown): error is LogicalError {
  return error instanceof LogicalError;
}
