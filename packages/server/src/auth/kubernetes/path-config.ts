/**
 * `config`: the Kubernetes API server to send TokenReviews to, the CA that signs its
 * certificate, the reviewer JWT, optional PEM keys to check token signatures locally, and the
 * (deprecated) issuer check.
 *
 * A read never returns `token_reviewer_jwt` (Vault shows only whether one is set).
 */
import { createPublicKey } from 'node:crypto';
import type { CompiledPath } from '../../framework/path.ts';
import type { FieldTable } from '../../framework/fields.ts';
import { invalidField } from '../../logical/errors.ts';
import type { Storage } from '../../logical/storage.ts';
import { configPath, readStoredConfig } from '../config-path.ts';

export interface KubernetesConfig {
  readonly kubernetesHost: string;
  readonly kubernetesCaCert: string;
  readonly tokenReviewerJwt: string;
  readonly pemKeys: readonly string[];
  readonly issuer: string;
  readonly disableIssValidation: boolean;
  readonly disableLocalCaJwt: boolean;
}

const configFields = {
  kubernetes_host: {
    type: 'string',
    description: 'The Kubernetes API server: a host, host:port, or URL.',
    required: true,
  },
  kubernetes_ca_cert: {
    type: 'string',
    description: "PEM CA certificate of the API server's TLS certificate.",
  },
  token_reviewer_jwt: {
    type: 'string',
    description:
      "A service account JWT allowed to create TokenReviews; without one, the client's own JWT is used.",
    sensitive: true,
  },
  pem_keys: {
    type: 'comma-string-slice',
    description: 'PEM public keys or certificates to check token signatures locally first.',
  },
  issuer: {
    type: 'string',
    description: 'Deprecated: the "iss" to require when issuer validation is enabled.',
  },
  disable_iss_validation: {
    type: 'bool',
    description: 'Deprecated: skip the "iss" check (default true).',
  },
  disable_local_ca_jwt: {
    type: 'bool',
    description: "Do not default to the pod's own CA certificate and service account token.",
  },
} as const satisfies FieldTable;

export function readConfig(storage: Storage): Promise<KubernetesConfig | undefined> {
  return readStoredConfig<KubernetesConfig>(storage);
}

/** `host`, `host:port` or a URL, as the base URL of the API server (https by default). */
export function apiBaseUrl(host: string): string {
  const trimmed = host.trim().replace(/\/+$/, '');
  return /^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
}

export function configPaths(): CompiledPath[] {
  return [
    configPath({
      fields: configFields,
      view: configData,
      build: async ({ storage, fields, provided }) => {
        const previous = await readConfig(storage);
        if (!URL.canParse(apiBaseUrl(fields.kubernetes_host))) {
          throw invalidField('kubernetes_host', 'not a host, host:port or URL');
        }
        const pemKeys = fields.pem_keys ?? previous?.pemKeys ?? [];
        pemKeys.forEach((pem, i) => {
          try {
            createPublicKey(pem);
          } catch {
            throw invalidField('pem_keys', `entry ${i} is not a PEM public key or certificate`);
          }
        });
        return {
          kubernetesHost: fields.kubernetes_host,
          kubernetesCaCert: fields.kubernetes_ca_cert ?? previous?.kubernetesCaCert ?? '',
          // Omitting the reviewer JWT on an update keeps the stored one, as Vault does.
          tokenReviewerJwt: provided.has('token_reviewer_jwt')
            ? (fields.token_reviewer_jwt ?? '')
            : (previous?.tokenReviewerJwt ?? ''),
          pemKeys,
          issuer: fields.issuer ?? previous?.issuer ?? '',
          disableIssValidation:
            fields.disable_iss_validation ?? previous?.disableIssValidation ?? true,
          disableLocalCaJwt: fields.disable_local_ca_jwt ?? previous?.disableLocalCaJwt ?? false,
        };
      },
      help: 'Configures the Kubernetes API server used to review service account tokens.',
    }),
  ];
}

/** The config as a read shows it: whether a reviewer JWT is set, never the JWT itself. */
function configData(config: KubernetesConfig): Record<string, unknown> {
  return {
    kubernetes_host: config.kubernetesHost,
    kubernetes_ca_cert: config.kubernetesCaCert,
    pem_keys: [...config.pemKeys],
    issuer: config.issuer,
    disable_iss_validation: config.disableIssValidation,
    disable_local_ca_jwt: config.disableLocalCaJwt,
    token_reviewer_jwt_set: config.tokenReviewerJwt !== '',
  };
}
