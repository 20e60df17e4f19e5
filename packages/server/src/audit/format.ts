/**
 * Audit records in Vault's JSON shape: one object per request (`type: "request"`) and one per
 * response (`type: "response"`), each written as one line.
 *
 * Contract: every string that could be secret goes through the device's hasher before it is
 * placed in a record: the client token, accessors (unless `hmac_accessor` is false), every string
 * in request and response data (recursively), the issued token and its accessor, wrap tokens.
 * Paths, operations, mount details, policies, display names, auth metadata, warnings and error
 * messages are written as they are, as Vault writes them; none of them carries a secret by the
 * project's contracts (error messages never name a value or token). Fields with empty values are
 * left out, as Vault's `omitempty` does.
 */
import type { AuditEntry, IssuedAuth, PipelineResult } from '../core/pipeline/types.ts';
import type { ClockCache } from '../framework/clock-cache.ts';
import { flatString, jsonString } from '../framework/json-string.ts';
import { LogicalError } from '../logical/errors.ts';
import type { LogicalRequest, RequestAuth } from '../logical/request.ts';
import type { LogicalResponse } from '../logical/response.ts';
import { hashedJson } from './hmac.ts';
import type { HashedJsonMemo, Hasher } from './hmac.ts';

/** How one device writes its records. */
export interface FormatOptions {
  readonly hash: Hasher;
  /** The hashed text of frozen data, reused between records (see `hashedJson`). */
  readonly memo?: HashedJsonMemo;
  /** Hash token accessors too (Vault's `hmac_accessor`, default true). */
  readonly hmacAccessor: boolean;
  /** Replace `keys` and `key_info` of list responses by their sizes. */
  readonly elideListResponses: boolean;
  /** RFC 3339 time of the record. */
  readonly time: string;
}

/**
 * The `auth` and `request` blocks of a request's records, as JSON. Both records of a request
 * carry the same two blocks, so a device builds them once per request (`sharedBlocks`).
 */
export interface SharedBlocks {
  readonly auth: string;
  readonly request: string;
}

/**
 * What the records of every request from one token show of its caller: the hashed token and
 * accessor and the `auth` block. Fixed for the token's life when it has no use limit (its
 * policies, metadata and names never change), so a device keeps them by the token store's hash
 * (never the token) and hashes a busy token once instead of on every request.
 */
export interface CallerBlock {
  readonly token: string | undefined;
  readonly accessor: string | undefined;
  readonly auth: string;
  /** The `request` block of this caller's last request without data, but for its ID. */
  lastRequest?: RequestTail;
}

/**
 * A `request` block without its `id`, with what it was built from. A busy client repeats the
 * same request (a read of its secret) over and over: for such a repeat only the ID is new.
 */
interface RequestTail {
  readonly operation: string;
  readonly mountPoint: string | undefined;
  readonly mountType: string | undefined;
  readonly mountAccessor: string | undefined;
  readonly path: string;
  readonly remoteAddress: string;
  /** The block's fields after `id`, each preceded by a comma, and its closing brace. */
  readonly rest: string;
}

export function sharedBlocks(
  request: LogicalRequest,
  auth: RequestAuth | undefined,
  options: FormatOptions,
  callers?: ClockCache<string, CallerBlock>,
): SharedBlocks {
  const stable = auth !== undefined && auth.numUses === 0 && request.clientToken !== '';
  let caller = stable ? callers?.get(auth.tokenHash) : undefined;
  if (caller === undefined) {
    const token = hashToken(request.clientToken, options);
    const accessor = auth === undefined ? undefined : hashAccessor(auth.accessor, options);
    // Kept for the token's next requests: flattened once rather than walked by each write.
    caller = {
      token: token === undefined ? undefined : flatString(token),
      accessor: accessor === undefined ? undefined : flatString(accessor),
      auth: flatString(authBlock(auth, request, token, accessor)),
    };
    if (stable) callers?.set(auth.tokenHash, caller);
  }
  return {
    auth: caller.auth,
    request: stable
      ? repeatedRequestBlock(request, caller, options)
      : freshRequestBlock(request, caller, options),
  };
}

/** Written into both records: flattened once rather than walked by each. */
function freshRequestBlock(
  request: LogicalRequest,
  caller: CallerBlock,
  options: FormatOptions,
): string {
  return flatString(requestBlock(request, request.id, caller.token, caller.accessor, options));
}

/**
 * The `request` block of a stable caller: for a request without data or wrapping that repeats
 * the caller's last one (the same operation on the same path from the same address), the last
 * block's text with this request's ID; otherwise built afresh, and kept when it can be repeated.
 */
function repeatedRequestBlock(
  request: LogicalRequest,
  caller: CallerBlock,
  options: FormatOptions,
): string {
  if (request.wrapTtlMs !== undefined || !isEmptyObject(request.data)) {
    return freshRequestBlock(request, caller, options);
  }
  let last = caller.lastRequest;
  if (
    last?.path !== request.path ||
    last.operation !== request.operation ||
    last.remoteAddress !== request.remoteAddress ||
    last.mountPoint !== request.mountPoint ||
    last.mountAccessor !== request.mountAccessor ||
    last.mountType !== request.mountType
  ) {
    // Built without its ID: `{...}` becomes the fields after the ID and the closing brace.
    const withoutId = requestBlock(request, '', caller.token, caller.accessor, options);
    last = {
      operation: request.operation,
      mountPoint: request.mountPoint,
      mountType: request.mountType,
      mountAccessor: request.mountAccessor,
      path: request.path,
      remoteAddress: request.remoteAddress,
      rest: flatString(withoutId === '{}' ? '}' : `,${withoutId.slice(1)}`),
    };
    caller.lastRequest = last;
  }
  if (request.id === '') return last.rest === '}' ? '{}' : `{${last.rest.slice(1)}`;
  return `{"id":${jsonString(request.id)}${last.rest}`;
}

function isEmptyObject(value: Readonly<Record<string, unknown>>): boolean {
  for (const key in value) if (Object.hasOwn(value, key)) return false;
  return true;
}

/**
 * A response-wrapping token, when the result carries one. The pipeline's result has no wrapping
 * yet; a result with a `wrapInfo` of this shape is recorded with its tokens hashed.
 */
export interface AuditWrapInfo {
  readonly token: string;
  readonly accessor: string;
  readonly ttlMs: number;
  readonly creationTime: number;
  readonly creationPath: string;
  readonly wrappedAccessor?: string;
}

/** The request record, one JSON line (without its newline). */
export function formatRequestRecord(
  entry: AuditEntry,
  shared: SharedBlocks,
  options: FormatOptions,
): string {
  return `{"time":${timeJson(options.time)},"type":"request","auth":${shared.auth},"request":${shared.request}${errorField(entry)}}`;
}

/** The response record, one JSON line (without its newline). */
export function formatResponseRecord(
  entry: AuditEntry,
  shared: SharedBlocks,
  options: FormatOptions,
): string {
  const response = responseBlock(entry, options);
  return `{"time":${timeJson(options.time)},"type":"response","auth":${shared.auth},"request":${shared.request},"response":${response}${errorField(entry)}}`;
}

/**
 * The time as JSON. Every record of the same millisecond (most, under load) has the same time,
 * and the records of a request are written one after the other: the last one is kept.
 */
let lastTime = { time: '', json: '""' };

function timeJson(time: string): string {
  if (lastTime.time !== time) lastTime = { time, json: jsonString(time) };
  return lastTime.json;
}

/**
 * The mount fields a response block opens with, as JSON. They name the mount of the request, and
 * a busy server answers most of its requests from one or two mounts: the last one is kept.
 */
let lastMount = { point: '', type: '', accessor: '', json: '' };

function mountFieldsJson(
  point: string | undefined = '',
  type: string | undefined = '',
  accessor: string | undefined = '',
): string {
  const last = lastMount;
  if (last.point === point && last.type === type && last.accessor === accessor) return last.json;
  const json = new ObjectJson()
    .string('mount_point', point)
    .string('mount_type', type)
    .string('mount_accessor', accessor)
    .text();
  lastMount = { point, type, accessor, json };
  return json;
}

function errorField(entry: AuditEntry): string {
  const error = errorText(entry);
  return error === undefined ? '' : `,"error":${jsonString(error)}`;
}

/** The caller, as Vault's `auth` block shows it, as JSON. Always present, as in Vault. */
function authBlock(
  auth: RequestAuth | undefined,
  request: LogicalRequest,
  token: string | undefined,
  accessor: string | undefined,
): string {
  if (auth === undefined) return '{}';
  return new ObjectJson()
    .hashed('client_token', token)
    .string('accessor', accessor)
    .string('display_name', auth.displayName)
    .json('policies', JSON.stringify(auth.policies))
    .json('token_policies', JSON.stringify(auth.policies))
    .json('metadata', JSON.stringify(auth.metadata))
    .string('entity_id', auth.entityId)
    .number('remaining_uses', auth.numUses)
    .string('token_type', tokenType(request.clientToken))
    .text();
}

/** The `request` block, as JSON. */
function requestBlock(
  request: LogicalRequest,
  id: string,
  token: string | undefined,
  accessor: string | undefined,
  options: FormatOptions,
): string {
  return new ObjectJson()
    .string('id', id)
    .string('operation', request.operation)
    .string('mount_point', request.mountPoint)
    .string('mount_type', request.mountType)
    .string('mount_accessor', request.mountAccessor)
    .hashed('client_token', token)
    .string('client_token_accessor', accessor)
    .json('namespace', ROOT_NAMESPACE)
    .string('path', request.path)
    .json('data', hashedJson(request.data, options.hash, options.memo))
    .string('remote_address', request.remoteAddress)
    .number(
      'wrap_ttl',
      request.wrapTtlMs === undefined ? undefined : Math.floor(request.wrapTtlMs / 1000),
    )
    .text();
}

/** The `response` block, as JSON. */
function responseBlock(entry: AuditEntry, options: FormatOptions): string {
  const { request, result } = entry;
  const response = entry.response ?? result?.response;
  const wrap = wrapInfoOf(result);
  return new ObjectJson(
    mountFieldsJson(
      request.mountPoint,
      result?.mountType ?? request.mountType,
      request.mountAccessor,
    ),
  )
    .json('auth', result?.auth === undefined ? undefined : issuedAuthBlock(result.auth, options))
    .json(
      'secret',
      result?.lease === undefined ? undefined : JSON.stringify({ lease_id: result.lease.id }),
    )
    .json('data', responseData(request, response, options))
    .json(
      'warnings',
      response?.warnings === undefined ? undefined : JSON.stringify(response.warnings),
    )
    .json('wrap_info', wrap === undefined ? undefined : wrapBlock(wrap, options))
    .text();
}

/** A token the response issued, as JSON. */
function issuedAuthBlock(auth: IssuedAuth, options: FormatOptions): string {
  return new ObjectJson()
    .hashed('client_token', hashToken(auth.clientToken, options))
    .string('accessor', hashAccessor(auth.accessor, options))
    .json('policies', JSON.stringify(auth.policies))
    .json('token_policies', JSON.stringify(auth.tokenPolicies))
    .json('metadata', auth.metadata === null ? undefined : JSON.stringify(auth.metadata))
    .number('num_uses', auth.numUses)
    .string('entity_id', auth.entityId)
    .string('token_type', auth.tokenType)
    .number('token_ttl', Math.floor(auth.ttlMs / 1000))
    .text();
}

/** A response-wrapping token, as JSON. */
function wrapBlock(wrap: AuditWrapInfo, options: FormatOptions): string {
  return new ObjectJson()
    .number('ttl', Math.floor(wrap.ttlMs / 1000))
    .hashed('token', hashToken(wrap.token, options))
    .string('accessor', hashAccessor(wrap.accessor, options))
    .string('creation_time', new Date(wrap.creationTime).toISOString())
    .string('creation_path', wrap.creationPath)
    .string(
      'wrapped_accessor',
      wrap.wrappedAccessor === undefined ? undefined : hashAccessor(wrap.wrappedAccessor, options),
    )
    .text();
}

/**
 * The response's data, hashed. A raw response (sys/health, sys/metrics) is recorded as Vault
 * records one: its status, content type and body under `http_*` keys.
 */
function responseData(
  request: LogicalRequest,
  response: LogicalResponse | undefined,
  options: FormatOptions,
): string | undefined {
  if (response === undefined) return undefined;
  let data: Record<string, unknown> | undefined;
  if (response.raw !== undefined) {
    data = {
      http_status_code: response.raw.status,
      http_content_type: response.raw.contentType,
      http_raw_body: response.raw.body,
    };
  } else if (response.data !== undefined) {
    data = response.data;
  }
  if (data === undefined) return undefined;
  if (options.elideListResponses && request.operation === 'list') {
    // Changed in place below: a copy, never the response the caller is about to receive.
    data = { ...data };
    elideList(data);
  }
  // Not copied otherwise: hashing only reads it, and frozen data hits the memo.
  return hashedJson(data, options.hash, options.memo);
}

/** Vault's `elide_list_responses`: list bodies become counts (the copy is changed in place). */
function elideList(data: Record<string, unknown>): void {
  const keys = data.keys;
  if (Array.isArray(keys)) data.keys = keys.length;
  const info = data.key_info;
  if (typeof info === 'object' && info !== null && !Array.isArray(info)) {
    data.key_info = Object.keys(info).length;
  }
}

/**
 * The failure, as the caller was told it. A typed error's message is written for the API caller
 * and never holds a value; anything else is written as the generic message the HTTP layer
 * answers with, since its text is not under the project's contract.
 */
function errorText(entry: AuditEntry): string | undefined {
  const { error } = entry;
  if (error === undefined) return undefined;
  if (error instanceof LogicalError) return error.message;
  return `internal error (request ${entry.request.id})`;
}

function hashToken(token: string, options: FormatOptions): string | undefined {
  return token === '' ? undefined : options.hash(token);
}

function hashAccessor(accessor: string, options: FormatOptions): string | undefined {
  if (accessor === '') return undefined;
  return options.hmacAccessor ? options.hash(accessor) : accessor;
}

/** The token's type, from its prefix (the request carries only the raw token). */
function tokenType(token: string): string | undefined {
  if (token === '') return undefined;
  return token.startsWith('hvb.') || token.startsWith('b.') ? 'batch' : 'service';
}

function wrapInfoOf(result: PipelineResult | undefined): AuditWrapInfo | undefined {
  if (result === undefined) return undefined;
  const candidate: unknown = (result as { wrapInfo?: unknown }).wrapInfo;
  if (typeof candidate !== 'object' || candidate === null) return undefined;
  const wrap = candidate as Partial<AuditWrapInfo>;
  if (typeof wrap.token !== 'string') return undefined;
  return {
    token: wrap.token,
    accessor: typeof wrap.accessor === 'string' ? wrap.accessor : '',
    ttlMs: typeof wrap.ttlMs === 'number' ? wrap.ttlMs : 0,
    creationTime: typeof wrap.creationTime === 'number' ? wrap.creationTime : 0,
    creationPath: typeof wrap.creationPath === 'string' ? wrap.creationPath : '',
    ...(typeof wrap.wrappedAccessor === 'string' ? { wrappedAccessor: wrap.wrappedAccessor } : {}),
  };
}

const ROOT_NAMESPACE = JSON.stringify({ id: 'root' });

/**
 * One JSON object written field by field, with Vault's `omitempty`: a field whose value is
 * undefined, '', 0, null, [] or {} is left out. Keys are this file's constants (nothing to
 * escape); values are escaped as JSON.
 */
class ObjectJson {
  #fields: string;

  /** `start`: an object already written (`{...}`) whose fields this one begins with. */
  constructor(start?: string) {
    this.#fields = start === undefined || start === '{}' ? '' : start.slice(1, -1);
  }

  string(key: string, value: string | undefined): this {
    if (value !== undefined && value !== '') this.#add(key, jsonString(value));
    return this;
  }

  /** A hasher's output, which needs no escaping (see `Hasher`). */
  hashed(key: string, value: string | undefined): this {
    if (value !== undefined && value !== '') this.#add(key, `"${value}"`);
    return this;
  }

  number(key: string, value: number | undefined): this {
    if (value !== undefined && value !== 0) this.#add(key, JSON.stringify(value));
    return this;
  }

  /** A value already written as JSON. */
  json(key: string, text: string | undefined): this {
    if (text !== undefined && text !== 'null' && text !== '{}' && text !== '[]') {
      this.#add(key, text);
    }
    return this;
  }

  text(): string {
    return `{${this.#fields}}`;
  }

  #add(key: string, text: string): void {
    this.#fields += `${this.#fields === '' ? '' : ','}"${key}":${text}`;
  }
}
