/**
 * Logical result -> HTTP: Vault's envelope for successes, `{"errors": [...]}` for failures.
 * This is the only place errors are rendered.
 */
import type { ServerResponse } from 'node:http';
import type { VaultAuth, VaultResponse } from '@strongroom/protocol';
import type { PipelineResult } from '../core/pipeline/types.ts';
import { frozenJson } from '../framework/json-string.ts';
import { LogicalError } from '../logical/errors.ts';

/** The head of an answer with a body: its length in bytes (never chunked) and the request ID. */
function answerHead(
  contentType: string,
  requestId: string,
  body: string,
): Record<string, string | number> {
  return {
    'content-type': contentType,
    'cache-control': 'no-store',
    'x-request-id': requestId,
    'content-length': Buffer.byteLength(body),
  };
}

export function toEnvelope(requestId: string, result: PipelineResult): VaultResponse {
  const { response, lease, auth } = result;
  return {
    request_id: requestId,
    lease_id: lease?.id ?? '',
    renewable: lease?.renewable ?? false,
    lease_duration: lease === undefined ? 0 : Math.floor(lease.ttlMs / 1000),
    data: (response?.data as Record<string, unknown> | undefined) ?? null,
    wrap_info: null,
    warnings:
      response?.warnings === undefined || response.warnings.length === 0
        ? null
        : [...response.warnings],
    auth: auth === undefined ? null : toVaultAuth(auth),
    mount_type: result.mountType,
    ...(response?.topLevel ?? {}),
  };
}

function toVaultAuth(auth: NonNullable<PipelineResult['auth']>): VaultAuth {
  return {
    client_token: auth.clientToken,
    accessor: auth.accessor,
    policies: [...auth.policies],
    token_policies: [...auth.tokenPolicies],
    metadata: auth.metadata === null ? null : { ...auth.metadata },
    lease_duration: Math.floor(auth.ttlMs / 1000),
    renewable: auth.renewable,
    entity_id: auth.entityId,
    token_type: auth.tokenType,
    orphan: auth.orphan,
    mfa_requirement: null,
    num_uses: auth.numUses,
  };
}

/**
 * `JSON.stringify(toEnvelope(requestId, result))` for the commonest answer, a read: data and
 * nothing else (no lease, auth, warnings or top-level fields). The data's text comes from
 * `frozenJson`, written once for a cached document read over and over. Undefined otherwise.
 */
export function plainEnvelopeJson(requestId: string, result: PipelineResult): string | undefined {
  const { response } = result;
  if (result.lease !== undefined || result.auth !== undefined || response === undefined) {
    return undefined;
  }
  const { data } = response;
  if (data === undefined || response.topLevel !== undefined) return undefined;
  if (response.warnings !== undefined && response.warnings.length > 0) return undefined;
  return `{"request_id":${JSON.stringify(requestId)},"lease_id":"","renewable":false,"lease_duration":0,"data":${frozenJson(data)},"wrap_info":null,"warnings":null,"auth":null,"mount_type":${JSON.stringify(result.mountType)}}`;
}

/** Writes a pipeline result. Returns the status written. */
export function writeResult(
  res: ServerResponse,
  requestId: string,
  result: PipelineResult,
  options: { readonly head: boolean },
): number {
  const raw = result.response?.raw;
  if (raw !== undefined) {
    res.writeHead(raw.status, answerHead(raw.contentType, requestId, raw.body));
    res.end(options.head ? undefined : raw.body);
    return raw.status;
  }
  const empty =
    result.lease === undefined &&
    result.auth === undefined &&
    (result.response === undefined ||
      (result.response.data === undefined &&
        result.response.topLevel === undefined &&
        (result.response.warnings?.length ?? 0) === 0));
  if (empty) {
    res.writeHead(204, { 'x-request-id': requestId });
    res.end();
    return 204;
  }
  const status = result.response?.status ?? 200;
  const body =
    plainEnvelopeJson(requestId, result) ?? JSON.stringify(toEnvelope(requestId, result));
  res.writeHead(status, answerHead('application/json', requestId, body));
  res.end(options.head ? undefined : body);
  return status;
}

/** Writes an error as `{"errors": [...]}` (plus `data` where Vault keeps it). */
export function writeError(
  res: ServerResponse,
  requestId: string,
  error: unknown,
  options: { readonly head: boolean },
): { status: number; internal: boolean } {
  let status = 500;
  let body: Record<string, unknown> = { errors: [`internal error (request ${requestId})`] };
  let internal = true;
  if (error instanceof LogicalError) {
    status = error.status;
    internal = status >= 500 && error.code === 'internal';
    body = { errors: [...error.errors] };
    if (error.data !== undefined) body.data = error.data;
  }
  const text = JSON.stringify(body);
  if (!res.headersSent) {
    res.writeHead(status, answerHead('application/json', requestId, text));
  }
  res.end(options.head ? undefined : text);
  return { status, internal };
}
