/**
 * `login` (unauthenticated): a service account JWT and a role for a token.
 *
 * Steps, as Vault's Kubernetes method:
 * 1. Read the token's claims. With `pem_keys` configured, the signature (and exp/nbf, on the
 *    request clock) is checked locally first, with jose; otherwise the claims are only read
 *    here and the cluster is the judge. With issuer validation on, `iss` must match.
 * 2. The service account's name and namespace must be bound by the role (globs allowed); the
 *    role's audience, when set, must be among the token's.
 * 3. The cluster's TokenReview API must say the token is authenticated, for the same service
 *    account (username and UID) and, when an audience is bound, for that audience.
 * Refusals are 403 (the token is not allowed), malformed input 400, an unreachable cluster 503.
 * The JWT never reaches a log line, an error message or an error's cause.
 */
import { readFile } from 'node:fs/promises';
import { createPublicKey } from 'node:crypto';
import { decodeJwt, errors as joseErrors, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import { definePath } from '../../framework/path.ts';
import type { CompiledPath } from '../../framework/path.ts';
import { LogicalError, badRequest } from '../../logical/errors.ts';
import { addressAllowed } from '../cidr.ts';
import { globMatch } from '../glob.ts';
import { authResult, loginDisplayName } from '../token-fields.ts';
import { serviceAccountOf, serviceAccountUsername } from './claims.ts';
import { apiBaseUrl, readConfig } from './path-config.ts';
import type { KubernetesConfig } from './path-config.ts';
import { readRole } from './path-role.ts';
import type { TokenReviewer } from './token-review.ts';

/** Where a pod finds its own CA and service account token. */
export const LOCAL_CA_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt';
export const LOCAL_JWT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';

const DEFAULT_ISSUER = 'kubernetes/serviceaccount';

export interface KubernetesLoginDeps {
  readonly review: TokenReviewer;
  /** Reads a local file, or undefined when absent (the pod's CA and token). */
  readonly readLocal: (path: string) => Promise<string | undefined>;
}

export const readLocalFile = async (path: string): Promise<string | undefined> => {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
};

const forbidden = (message: string) => new LogicalError('permission_denied', 403, message);

export function loginPaths(deps: KubernetesLoginDeps): CompiledPath[] {
  return [
    definePath({
      pattern: 'login',
      fields: {
        role: { type: 'string', description: 'The role to log in with.', required: true },
        jwt: {
          type: 'string',
          description: 'The service account JWT.',
          required: true,
          sensitive: true,
        },
      },
      operations: {
        update: async ({ storage, fields, clock, mount, request, signal }) => {
          if (fields.role === '') throw badRequest('missing role');
          if (fields.jwt === '') throw badRequest('missing jwt');
          const role = await readRole(storage, fields.role);
          if (role === undefined) throw badRequest(`invalid role name "${fields.role}"`);
          const config = await readConfig(storage);
          if (config === undefined) throw badRequest('could not load backend configuration');
          if (!addressAllowed(request.remoteAddress, role.token.boundCidrs)) {
            throw forbidden("source address is not allowed by the role's token_bound_cidrs");
          }

          const claims = await readClaims(fields.jwt, config, clock.now());
          if (!config.disableIssValidation) {
            const expected = config.issuer === '' ? DEFAULT_ISSUER : config.issuer;
            if (claims.iss !== expected) throw forbidden('invalid issuer (iss) claim');
          }
          const account = serviceAccountOf(claims);
          if (account === undefined) {
            throw badRequest('the token names no service account');
          }
          if (!role.boundServiceAccountNames.some((p) => globMatch(p, account.name))) {
            throw forbidden('service account name not authorized');
          }
          if (!role.boundServiceAccountNamespaces.some((p) => globMatch(p, account.namespace))) {
            throw forbidden('namespace not authorized');
          }
          if (role.audience !== '') {
            const aud = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
            if (!aud.includes(role.audience)) throw forbidden('invalid audience (aud) claim');
          }

          const local = config.disableLocalCaJwt
            ? { ca: undefined, jwt: undefined }
            : {
                ca:
                  config.kubernetesCaCert === '' ? await deps.readLocal(LOCAL_CA_PATH) : undefined,
                jwt:
                  config.tokenReviewerJwt === '' ? await deps.readLocal(LOCAL_JWT_PATH) : undefined,
              };
          const reviewer = config.tokenReviewerJwt || local.jwt || fields.jwt;
          const review = await deps.review({
            host: apiBaseUrl(config.kubernetesHost),
            caPem: config.kubernetesCaCert || local.ca || '',
            bearer: reviewer,
            token: fields.jwt,
            audiences: role.audience === '' ? [] : [role.audience],
            signal,
          });
          if (review.error !== '' || !review.authenticated) {
            throw forbidden(
              'lookup failed: service account unauthorized; this could mean it has been ' +
                'deleted or recreated with the same name',
            );
          }
          if (
            review.username !== serviceAccountUsername(account) ||
            (account.uid !== '' && review.uid !== account.uid)
          ) {
            throw forbidden('the token review names a different service account');
          }
          if (role.audience !== '' && !review.audiences.includes(role.audience)) {
            throw forbidden('the token review does not confirm the role audience');
          }

          const metadata = {
            service_account_name: account.name,
            service_account_namespace: account.namespace,
            service_account_uid: review.uid || account.uid,
            service_account_secret_name: account.secretName,
            role: role.name,
          };
          const alias =
            role.aliasNameSource === 'serviceaccount_name'
              ? `${account.namespace}/${account.name}`
              : metadata.service_account_uid;
          return {
            auth: authResult(role.token, {
              metadata,
              displayName: loginDisplayName(mount, `${account.namespace}-${account.name}`),
              internal: { role: role.name, alias },
            }),
          };
        },
      },
      help: 'Issues a token for a Kubernetes service account JWT.',
    }),
  ];
}

/** The token's claims: verified against `pem_keys` when configured, else only decoded. */
async function readClaims(
  jwt: string,
  config: KubernetesConfig,
  nowMs: number,
): Promise<JWTPayload> {
  if (config.pemKeys.length === 0) {
    let claims: JWTPayload;
    try {
      claims = decodeJwt(jwt);
    } catch {
      throw badRequest('the jwt is not a well-formed JWT');
    }
    return claims;
  }
  for (const pem of config.pemKeys) {
    try {
      const { payload } = await jwtVerify(jwt, createPublicKey(pem), {
        currentDate: new Date(nowMs),
      });
      return payload;
    } catch (error) {
      if (
        error instanceof joseErrors.JWSSignatureVerificationFailed ||
        error instanceof TypeError
      ) {
        continue;
      }
      if (error instanceof joseErrors.JWTExpired) throw forbidden('token is expired');
      if (error instanceof joseErrors.JWTClaimValidationFailed) {
        throw forbidden(`invalid "${error.claim}" claim`);
      }
      if (error instanceof joseErrors.JOSEError) {
        // A key that does not fit the token's algorithm: try the next one.
        if (error instanceof joseErrors.JOSENotSupported) continue;
        throw badRequest('the jwt is not a well-formed JWT');
      }
      throw badRequest('the jwt is not a well-formed JWT');
    }
  }
  throw forbidden('failed to verify the token signature with the configured pem_keys');
}
