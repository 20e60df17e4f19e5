/**
 * A client for the Kubernetes TokenReview API (`authentication.k8s.io/v1`): asks the cluster
 * whether a service account token is valid, as Vault's Kubernetes auth method does.
 *
 *   POST <host>/apis/authentication.k8s.io/v1/tokenreviews
 *   Authorization: Bearer <reviewer JWT>
 *   {"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview",
 *    "spec":{"token":"<jwt>","audiences":["<aud>"]}}
 *
 * answers `status.authenticated`, `status.user` (`username` is
 * `system:serviceaccount:<namespace>:<name>`, `uid`) and `status.audiences`, or `status.error`.
 *
 * Contracts: neither the reviewed token nor the reviewer token appears in an error message or
 * a log line (they travel only in the request body and header). An API server that cannot be
 * reached or answers 5xx is a 503 (transient); a 401/403 from it is the reviewer's permission
 * problem, reported as such.
 */
import { LogicalError } from '../../logical/errors.ts';
import { OutboundHttpError, httpCall } from '../http-client.ts';

export interface TokenReviewResult {
  readonly authenticated: boolean;
  readonly username: string;
  readonly uid: string;
  readonly audiences: readonly string[];
  /** Set when the API server reports why it could not authenticate the token. */
  readonly error: string;
}

export interface TokenReviewInput {
  /** Base URL of the API server, e.g. `https://10.0.0.1:6443`. */
  readonly host: string;
  readonly caPem: string;
  /** Bearer for the call: the configured reviewer JWT, or the token under review itself. */
  readonly bearer: string;
  readonly token: string;
  readonly audiences: readonly string[];
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

export type TokenReviewer = (input: TokenReviewInput) => Promise<TokenReviewResult>;

export const TOKEN_REVIEW_PATH = '/apis/authentication.k8s.io/v1/tokenreviews';

export const reviewToken: TokenReviewer = async (input) => {
  const url = new URL(input.host.replace(/\/+$/, '') + TOKEN_REVIEW_PATH);
  const body = JSON.stringify({
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    spec: {
      token: input.token,
      ...(input.audiences.length > 0 ? { audiences: [...input.audiences] } : {}),
    },
  });
  let reply;
  try {
    reply = await httpCall(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${input.bearer}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body,
      ...(input.caPem === '' ? {} : { caPem: input.caPem }),
      ...(input.signal === undefined ? {} : { signal: input.signal }),
      ...(input.timeoutMs === undefined ? {} : { timeoutMs: input.timeoutMs }),
    });
  } catch (error) {
    if (error instanceof OutboundHttpError) {
      throw new LogicalError(
        'upstream_unavailable',
        503,
        `could not reach the Kubernetes API for a token review (${error.message})`,
      );
    }
    throw error;
  }
  if (reply.status === 401 || reply.status === 403) {
    throw new LogicalError(
      'permission_denied',
      403,
      `the Kubernetes API refused the token review (status ${reply.status}): ` +
        'check token_reviewer_jwt and its permission to create tokenreviews',
    );
  }
  if (reply.status < 200 || reply.status > 299) {
    throw new LogicalError(
      'upstream_unavailable',
      503,
      `the Kubernetes API answered the token review with status ${reply.status}`,
    );
  }
  return parseReview(reply.body);
};

function parseReview(text: string): TokenReviewResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new LogicalError('upstream_unavailable', 503, 'the token review response is not JSON');
  }
  const status = record(record(doc)['status']);
  const user = record(status['user']);
  const audiences = Array.isArray(status['audiences'])
    ? status['audiences'].filter((a): a is string => typeof a === 'string')
    : [];
  return {
    authenticated: status['authenticated'] === true,
    username: typeof user['username'] === 'string' ? user['username'] : '',
    uid: typeof user['uid'] === 'string' ? user['uid'] : '',
    audiences,
    error: typeof status['error'] === 'string' ? status['error'] : '',
  };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
