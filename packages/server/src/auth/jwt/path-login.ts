/**
 * `login` (unauthenticated): a JWT and a role for a token.
 *
 * Verification, all through jose's `jwtVerify` at the request clock's time: signature (key
 * from the configured source, algorithm in `jwt_supported_algs`), `iss` (bound_issuer, or the
 * issuer discovery declared), `aud` (any of bound_audiences), `sub` (bound_subject), `exp` and
 * `nbf` within the widest leeway; then the exact per-claim leeways, bound claims and the user
 * claim here. A token with an `aud` claim is refused by a role that binds no audience.
 *
 * Contracts: the JWT never reaches a log line, an error message or an error's cause (jose's
 * claim errors carry the payload, so they are translated, never wrapped). A key-source outage
 * is a 503 (transient); every refusal of the token itself is a 400 with a reason naming only
 * claims; a caller outside token_bound_cidrs gets a 403.
 */
import { errors as joseErrors, jwtVerify } from 'jose';
import type { KeyObject } from 'node:crypto';
import type { CryptoKey, JWTPayload } from 'jose';
import { definePath } from '../../framework/path.ts';
import type { CompiledPath } from '../../framework/path.ts';
import { LogicalError, badRequest } from '../../logical/errors.ts';
import { addressAllowed } from '../cidr.ts';
import { OutboundHttpError } from '../http-client.ts';
import { authResult, loginDisplayName } from '../token-fields.ts';
import {
  DEFAULT_LEEWAYS,
  checkBoundClaims,
  checkTimes,
  claimString,
  getClaim,
  mapClaims,
  resolveLeeway,
} from './claims.ts';
import type { Leeways } from './claims.ts';
import type { KeySource, KeySources } from './keys.ts';
import { SUPPORTED_ALGS, readConfig } from './path-config.ts';
import { readRole } from './path-role.ts';
import type { JwtRole } from './path-role.ts';

export function loginPaths(deps: { readonly keys: KeySources }): CompiledPath[] {
  return [
    definePath({
      pattern: 'login',
      fields: {
        role: { type: 'string', description: 'The role to log in with (default_role if empty).' },
        jwt: {
          type: 'string',
          description: 'The signed JWT.',
          required: true,
          sensitive: true,
        },
      },
      operations: {
        update: async ({ storage, fields, clock, mount, request }) => {
          const config = await readConfig(storage);
          if (config === undefined) throw badRequest('could not load configuration');
          const roleName =
            fields.role === undefined || fields.role === '' ? config.defaultRole : fields.role;
          if (roleName === '') throw badRequest('missing role');
          const role = await readRole(storage, roleName);
          if (role === undefined) throw badRequest(`role "${roleName}" could not be found`);
          if (role.roleType === 'oidc') {
            throw badRequest('role with oidc role_type is not allowed');
          }
          if (!addressAllowed(request.remoteAddress, role.token.boundCidrs)) {
            throw new LogicalError(
              'permission_denied',
              403,
              "source address is not allowed by the role's token_bound_cidrs",
            );
          }
          if (fields.jwt === '') throw badRequest('missing jwt');

          const source = await deps.keys.source(config);
          const discovered = source.kind === 'remote' ? source.discoveredIssuer : undefined;
          const issuer = config.boundIssuer !== '' ? config.boundIssuer : discovered;
          const now = clock.now();
          const leeways = leewaysOf(role);
          const claims = await verify(fields.jwt, source, {
            algorithms:
              config.jwtSupportedAlgs.length > 0
                ? [...config.jwtSupportedAlgs]
                : [...SUPPORTED_ALGS],
            ...(issuer === undefined ? {} : { issuer }),
            ...(role.boundAudiences.length > 0 ? { audience: [...role.boundAudiences] } : {}),
            ...(role.boundSubject === '' ? {} : { subject: role.boundSubject }),
            currentDate: new Date(now),
            clockTolerance:
              (leeways.clockSkewMs + Math.max(leeways.expirationMs, leeways.notBeforeMs)) / 1000,
          });
          if (role.boundAudiences.length === 0 && claims.aud !== undefined) {
            throw badRequest('audience claim found in JWT but no audiences bound to the role');
          }
          checkTimes(claims, now, leeways);
          checkBoundClaims(claims, role.boundClaims, role.boundClaimsType);
          const user = claimString(getClaim(claims, role.userClaim));
          if (user === undefined || user === '') {
            throw badRequest(`claim "${role.userClaim}" not found in token`);
          }
          return {
            auth: authResult(role.token, {
              metadata: { ...mapClaims(claims, role.claimMappings), role: role.name },
              displayName: loginDisplayName(mount, user),
              internal: { role: role.name },
            }),
          };
        },
      },
      help: 'Issues a token for a signed JWT.',
    }),
  ];
}

function leewaysOf(role: JwtRole): Leeways {
  return {
    clockSkewMs: resolveLeeway(role.clockSkewLeewayMs, DEFAULT_LEEWAYS.clockSkewMs),
    expirationMs: resolveLeeway(role.expirationLeewayMs, DEFAULT_LEEWAYS.expirationMs),
    notBeforeMs: resolveLeeway(role.notBeforeLeewayMs, DEFAULT_LEEWAYS.notBeforeMs),
  };
}

type VerifyOptions = NonNullable<Parameters<typeof jwtVerify>[2]>;

/**
 * Verifies with each candidate key until one checks the signature. A key that does not fit
 * (wrong signature, wrong key type for the algorithm) moves on to the next; any other failure
 * (a claim, a refused algorithm) is the answer.
 */
async function verify(jwt: string, source: KeySource, options: VerifyOptions): Promise<JWTPayload> {
  try {
    if (source.kind === 'local') return await firstFitting(jwt, source.keys, options);
    try {
      return (await jwtVerify(jwt, source.getKey, options)).payload;
    } catch (error) {
      // Several keys match (no kid, or a shared kid): jose hands them over to try in turn.
      if (error instanceof joseErrors.JWKSMultipleMatchingKeys) {
        const keys: CryptoKey[] = [];
        for await (const key of error as unknown as AsyncIterable<CryptoKey>) keys.push(key);
        return await firstFitting(jwt, keys, options);
      }
      throw error;
    }
  } catch (error) {
    throw translate(error);
  }
}

async function firstFitting(
  jwt: string,
  keys: readonly (KeyObject | CryptoKey)[],
  options: VerifyOptions,
): Promise<JWTPayload> {
  for (const key of keys) {
    try {
      return (await jwtVerify(jwt, key, options)).payload;
    } catch (error) {
      if (
        error instanceof joseErrors.JWSSignatureVerificationFailed ||
        error instanceof TypeError
      ) {
        continue;
      }
      throw error;
    }
  }
  throw new joseErrors.JWSSignatureVerificationFailed();
}

/** jose's errors as our own, with messages that name claims only (never the cause). */
function translate(error: unknown): LogicalError {
  if (error instanceof LogicalError) return error;
  if (error instanceof OutboundHttpError || error instanceof joseErrors.JWKSTimeout) {
    return new LogicalError('upstream_unavailable', 503, 'could not fetch the JWKS');
  }
  if (error instanceof joseErrors.JWTExpired) return badRequest('token is expired');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'nbf':
        return badRequest('token is not yet valid');
      case 'iss':
        return badRequest('invalid issuer (iss) claim');
      case 'aud':
        return badRequest('invalid audience (aud) claim');
      case 'sub':
        return badRequest('invalid subject (sub) claim');
      default:
        return badRequest(`invalid "${error.claim}" claim`);
    }
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return badRequest('failed to verify the token signature');
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey) {
    return badRequest('no known key matches the token (kid)');
  }
  if (error instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return badRequest('failed to verify the token signature');
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return badRequest('token signing algorithm is not allowed');
  }
  if (error instanceof joseErrors.JWKSInvalid) {
    return new LogicalError(
      'upstream_unavailable',
      503,
      'the JWKS endpoint returned no valid key set',
    );
  }
  if (error instanceof joseErrors.JOSEError && error.code === 'ERR_JOSE_GENERIC') {
    // jose's generic error is what a non-200 JWKS response raises.
    return new LogicalError('upstream_unavailable', 503, 'could not fetch the JWKS');
  }
  if (error instanceof joseErrors.JOSEError) return badRequest('malformed or unverifiable token');
  return badRequest('malformed or unverifiable token');
}
