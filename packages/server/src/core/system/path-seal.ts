/**
 * sys/init, sys/seal-status, sys/unseal, sys/seal, sys/health, sys/key-status, sys/rotate.
 * The first four answer Vault's bare JSON (no envelope), as Vault does.
 */
import { definePath } from '../../framework/path.ts';
import type { CompiledPath } from '../../framework/path.ts';
import { LogicalError } from '../../logical/errors.ts';
import type { LogicalResponse } from '../../logical/response.ts';
import type { SystemDeps } from './deps.ts';

const bare = (body: unknown, status = 200): LogicalResponse => ({
  raw: { status, contentType: 'application/json', body: JSON.stringify(body) },
});

export function sealPaths(deps: SystemDeps): CompiledPath[] {
  return [
    definePath({
      pattern: 'init',
      fields: {
        secret_shares: {
          type: 'int',
          description: 'Number of key shares to split the unseal key into.',
        },
        secret_threshold: {
          type: 'int',
          description: 'Number of key shares required to reconstruct the unseal key.',
        },
        pgp_keys: { type: 'json', description: 'Not supported.' },
        root_token_pgp_key: { type: 'string', description: 'Not supported.' },
        stored_shares: { type: 'int', description: 'Ignored (Shamir seal).' },
        recovery_shares: { type: 'int', description: 'Ignored (Shamir seal).' },
        recovery_threshold: { type: 'int', description: 'Ignored (Shamir seal).' },
      },
      operations: {
        read: async () => bare({ initialized: (await deps.sealStatus()).initialized }),
        update: async ({ fields }) => {
          if (fields.pgp_keys !== undefined || (fields.root_token_pgp_key ?? '') !== '') {
            throw new LogicalError(
              'bad_request',
              400,
              'PGP-encrypted key shares are not supported',
            );
          }
          const shares = fields.secret_shares;
          const threshold = fields.secret_threshold;
          if (shares === undefined || threshold === undefined) {
            throw new LogicalError(
              'missing_field',
              400,
              'secret_shares and secret_threshold are required',
            );
          }
          const result = await deps.initialize({
            secretShares: shares,
            secretThreshold: threshold,
          });
          return bare({
            keys: result.keys,
            keys_base64: result.keysBase64,
            root_token: result.rootToken,
          });
        },
      },
      help: 'Initializes the server: generates the unseal key shares and the root token.',
    }),
    definePath({
      pattern: 'seal-status',
      fields: {},
      operations: { read: async () => bare(await deps.sealStatus()) },
      help: 'Reports whether the server is initialized and sealed, and the unseal progress.',
    }),
    definePath({
      pattern: 'unseal',
      fields: {
        key: {
          type: 'string',
          description: 'One unseal key share (hex or base64).',
          sensitive: true,
        },
        reset: {
          type: 'bool',
          description: 'Discards the key shares entered so far.',
          default: false,
        },
        migrate: { type: 'bool', description: 'Ignored.', default: false },
      },
      operations: {
        update: async ({ fields }) => {
          if (!fields.reset && (fields.key === undefined || fields.key === '')) {
            throw new LogicalError('missing_field', 400, 'missing required input "key"');
          }
          return bare(
            await deps.unseal({
              reset: fields.reset,
              ...(fields.key === undefined ? {} : { key: fields.key }),
            }),
          );
        },
      },
      help: 'Enters one unseal key share; the server unseals once the threshold is reached.',
    }),
    definePath({
      pattern: 'seal',
      fields: {},
      operations: {
        update: async () => {
          await deps.seal();
          return undefined;
        },
      },
      help: 'Seals the server: drops the root key from memory until it is unsealed again.',
    }),
    definePath({
      pattern: 'health',
      fields: {
        standbyok: { type: 'bool', description: 'Answer 200 on a standby.', default: false },
        perfstandbyok: {
          type: 'bool',
          description: 'Answer 200 on a performance standby.',
          default: false,
        },
        activecode: { type: 'int', description: 'Status when active.', default: 200 },
        standbycode: { type: 'int', description: 'Status when standby.', default: 429 },
        drsecondarycode: { type: 'int', description: 'Status when a DR secondary.', default: 472 },
        performancestandbycode: {
          type: 'int',
          description: 'Status when a performance standby.',
          default: 473,
        },
        sealedcode: { type: 'int', description: 'Status when sealed.', default: 503 },
        uninitcode: { type: 'int', description: 'Status when not initialized.', default: 501 },
      },
      operations: {
        read: async ({ fields }) => {
          const status = await deps.sealStatus();
          const code = !status.initialized
            ? fields.uninitcode
            : status.sealed
              ? fields.sealedcode
              : fields.activecode;
          if (code < 100 || code > 599) {
            throw new LogicalError('invalid_field', 400, `invalid status code ${code}`);
          }
          const now = deps.serverTime();
          return bare(
            {
              initialized: status.initialized,
              sealed: status.sealed,
              standby: false,
              performance_standby: false,
              replication_performance_mode: 'disabled',
              replication_dr_mode: 'disabled',
              server_time_utc: Math.floor(now / 1000),
              version: deps.version,
              enterprise: false,
              ...(status.initialized && !status.sealed
                ? { cluster_name: deps.clusterName, cluster_id: deps.clusterId }
                : {}),
              echo_duration_ms: 0,
              clock_skew_ms: 0,
            },
            code,
          );
        },
      },
      help: 'Health in the status code: 200 active, 429 standby, 501 not initialized, 503 sealed.',
    }),
    definePath({
      pattern: 'key-status',
      fields: {},
      operations: {
        read: async () => {
          const status = await deps.keyStatus();
          const data = {
            term: status.term,
            install_time: status.installTime,
            encryptions: status.encryptions,
          };
          return { data, topLevel: data };
        },
      },
      help: 'The barrier encryption key in use: its term and when it was installed.',
    }),
    definePath({
      pattern: 'metrics',
      fields: {
        format: {
          type: 'string',
          description: 'Output format: "prometheus" (text exposition) or "" (JSON).',
          default: '',
          allowed: ['', 'prometheus', 'json'],
        },
      },
      operations: {
        read: async ({ fields }) => {
          const rendered = await deps.metrics();
          if (fields.format === 'prometheus') {
            return { raw: { status: 200, contentType: rendered.contentType, body: rendered.body } };
          }
          return { data: { format: 'prometheus', text: rendered.body } };
        },
      },
      help: 'Server metrics: request counts and latencies by mount, seal state, tokens, leases, audit failures.',
    }),
    definePath({
      pattern: 'rotate',
      fields: {},
      operations: {
        update: async () => {
          await deps.rotate();
          return undefined;
        },
      },
      help: 'Adds a new barrier key term; new writes use it, older data stays readable.',
    }),
  ];
}
