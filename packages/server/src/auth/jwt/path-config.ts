/**
 * `config`: where the keys that sign login JWTs come from (exactly one of
 * `jwt_validation_pubkeys`, `jwks_url`, `oidc_discovery_url`), the issuer to require, the
 * allowed algorithms and the default role.
 *
 * A write is checked before it is stored: public keys must parse, and a JWKS URL or discovery
 * URL must answer (unless `skip_jwks_validation`), so a bad configuration fails at write time
 * rather than at every login. Writing the config drops the cached key source.
 */
import { createPublicKey } from 'node:crypto';
import type { CompiledPath } from '../../framework/path.ts';
import type { FieldTable } from '../../framework/fields.ts';
import { LogicalError, badRequest, invalidField } from '../../logical/errors.ts';
import type { Storage } from '../../logical/storage.ts';
import { configPath, readStoredConfig } from '../config-path.ts';
import type { KeySources } from './keys.ts';

export interface JwtConfig {
  readonly jwtValidationPubkeys: readonly string[];
  readonly jwksUrl: string;
  readonly jwksCaPem: string;
  readonly oidcDiscoveryUrl: string;
  readonly oidcDiscoveryCaPem: string;
  readonly boundIssuer: string;
  readonly defaultRole: string;
  readonly jwtSupportedAlgs: readonly string[];
  readonly oidcClientId: string;
}

/** Algorithms jose verifies (Vault's list, minus none). */
export const SUPPORTED_ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
  'Ed25519',
] as const;

const configFields = {
  oidc_discovery_url: {
    type: 'string',
    description: 'The OIDC discovery URL (without "/.well-known/openid-configuration").',
  },
  oidc_discovery_ca_pem: {
    type: 'string',
    description: 'PEM CA bundle for the discovery URL and the JWKS it names.',
  },
  oidc_client_id: { type: 'string', description: 'OAuth client ID (OIDC roles; stored only).' },
  oidc_client_secret: {
    type: 'string',
    description: 'Not supported: the OIDC redirect flow is not implemented.',
    sensitive: true,
  },
  jwks_url: { type: 'string', description: 'A JWKS URL to verify signatures with.' },
  jwks_ca_pem: { type: 'string', description: 'PEM CA bundle for the JWKS URL.' },
  jwt_validation_pubkeys: {
    type: 'comma-string-slice',
    description: 'PEM public keys or certificates to verify signatures with locally.',
  },
  bound_issuer: { type: 'string', description: 'The value the "iss" claim must have.' },
  default_role: { type: 'string', description: 'The role used when a login names none.' },
  jwt_supported_algs: {
    type: 'comma-string-slice',
    description: 'Signing algorithms accepted (default: all supported).',
  },
  skip_jwks_validation: {
    type: 'bool',
    description: 'Store the configuration even if the JWKS or discovery URL does not answer.',
    default: false,
  },
} as const satisfies FieldTable;

export function readConfig(storage: Storage): Promise<JwtConfig | undefined> {
  return readStoredConfig<JwtConfig>(storage);
}

export function configPaths(deps: { readonly keys: KeySources }): CompiledPath[] {
  return [
    configPath({
      fields: configFields,
      view: configData,
      build: async ({ fields }) => {
        if (fields.oidc_client_secret !== undefined && fields.oidc_client_secret !== '') {
          throw badRequest(
            'the OIDC redirect flow is not supported; oidc_client_secret is refused',
          );
        }
        const config: JwtConfig = {
          jwtValidationPubkeys: fields.jwt_validation_pubkeys ?? [],
          jwksUrl: fields.jwks_url ?? '',
          jwksCaPem: fields.jwks_ca_pem ?? '',
          oidcDiscoveryUrl: fields.oidc_discovery_url ?? '',
          oidcDiscoveryCaPem: fields.oidc_discovery_ca_pem ?? '',
          boundIssuer: fields.bound_issuer ?? '',
          defaultRole: fields.default_role ?? '',
          jwtSupportedAlgs: fields.jwt_supported_algs ?? [],
          oidcClientId: fields.oidc_client_id ?? '',
        };
        const sources = [
          config.jwtValidationPubkeys.length > 0,
          config.jwksUrl !== '',
          config.oidcDiscoveryUrl !== '',
        ].filter(Boolean).length;
        if (sources !== 1) {
          throw badRequest(
            "exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set",
          );
        }
        for (const alg of config.jwtSupportedAlgs) {
          if (!(SUPPORTED_ALGS as readonly string[]).includes(alg)) {
            throw invalidField('jwt_supported_algs', `unsupported algorithm "${alg}"`);
          }
        }
        config.jwtValidationPubkeys.forEach((pem, i) => {
          try {
            createPublicKey(pem);
          } catch {
            throw invalidField('jwt_validation_pubkeys', `entry ${i} is not a PEM public key`);
          }
        });
        for (const [url, name] of [
          [config.jwksUrl, 'jwks_url'],
          [config.oidcDiscoveryUrl, 'oidc_discovery_url'],
        ] as const) {
          if (url !== '' && !URL.canParse(url)) throw invalidField(name, 'not a URL');
        }
        if (!fields.skip_jwks_validation) {
          try {
            await deps.keys.probe(config);
          } catch (error) {
            if (error instanceof LogicalError) throw error;
            throw badRequest('error checking the JWKS or discovery URL');
          }
        }
        return config;
      },
      onStored: () => {
        deps.keys.invalidate();
      },
      help: 'Configures how login JWTs are verified.',
    }),
  ];
}

function configData(config: JwtConfig): Record<string, unknown> {
  return {
    oidc_discovery_url: config.oidcDiscoveryUrl,
    oidc_discovery_ca_pem: config.oidcDiscoveryCaPem,
    oidc_client_id: config.oidcClientId,
    jwks_url: config.jwksUrl,
    jwks_ca_pem: config.jwksCaPem,
    jwt_validation_pubkeys: [...config.jwtValidationPubkeys],
    bound_issuer: config.boundIssuer,
    default_role: config.defaultRole,
    jwt_supported_algs: [...config.jwtSupportedAlgs],
  };
}
