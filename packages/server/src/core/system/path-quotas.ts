/**
 * `sys/quotas/rate-limit/<name>` (create or update, read, delete) and `LIST sys/quotas/rate-limit`.
 * Enforcement lives in the core's pipeline (`core/quotas/`), before authentication.
 */
import { listResponse } from '../../framework/list.ts';
import { definePath } from '../../framework/path.ts';
import type { CompiledPath } from '../../framework/path.ts';
import { LogicalError, notFound } from '../../logical/errors.ts';
import type { MountInfo } from '../../logical/backend.ts';
import type { RateLimitQuota, RateLimitQuotas } from '../quotas/index.ts';

export interface QuotaDeps {
  quotas(): Pick<RateLimitQuotas, 'list' | 'get' | 'set' | 'delete'>;
  /** The mount serving a path, to validate a quota's path. */
  mountFor(path: string): MountInfo | undefined;
}

const NAME = /^[A-Za-z0-9._-]{1,128}$/;

function view(quota: RateLimitQuota): Record<string, unknown> {
  return {
    name: quota.name,
    path: quota.path,
    rate: quota.rate,
    interval: quota.intervalMs / 1000,
    block_interval: quota.blockIntervalMs / 1000,
    role: quota.role,
    inheritable: quota.path === '',
    type: 'rate-limit',
  };
}

export function quotaPaths(deps: QuotaDeps): CompiledPath[] {
  return [
    definePath({
      pattern: 'quotas/rate-limit/?',
      fields: {},
      operations: {
        list: () => {
          const keys = deps.quotas().list();
          return Promise.resolve().then(() => listResponse(keys, 'no quotas'));
        },
      },
      help: 'Lists the rate-limit quotas.',
    }),
    definePath({
      pattern: 'quotas/rate-limit/(?<name>[^/]+)',
      fields: {
        name: { type: 'string', description: 'The name of the quota.', required: true },
        path: {
          type: 'string',
          description: 'A mount, or a mount plus a path suffix; empty for every request.',
          default: '',
        },
        rate: { type: 'json', description: 'Requests allowed per interval; must be positive.' },
        interval: {
          type: 'duration',
          description: 'The interval the rate counts over.',
          default: '1s',
        },
        block_interval: {
          type: 'duration',
          description: 'How long a client that exceeded the rate stays refused.',
          default: 0,
        },
        role: {
          type: 'string',
          description: 'Only login requests for this role (auth mounts).',
          default: '',
        },
        inheritable: {
          type: 'bool',
          description: 'Accepted for compatibility (no namespaces).',
          default: false,
        },
      },
      operations: {
        read: ({ fields }) => {
          const quota = deps.quotas().get(fields.name);
          if (quota === undefined)
            return Promise.reject(notFound(`no quota named "${fields.name}"`, { errors: [] }));
          return Promise.resolve({ data: view(quota) });
        },
        update: async ({ fields }) => {
          if (!NAME.test(fields.name)) {
            throw new LogicalError('invalid_field', 400, `invalid quota name "${fields.name}"`);
          }
          const rate = typeof fields.rate === 'string' ? Number(fields.rate) : fields.rate;
          if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
            throw new LogicalError(
              'invalid_field',
              400,
              'invalid value for field "rate": must be a positive number',
            );
          }
          if (fields.interval < 1000) {
            throw new LogicalError(
              'invalid_field',
              400,
              'invalid value for field "interval": must be at least 1s',
            );
          }
          const path = fields.path.replace(/^\/+/, '');
          if (path !== '') {
            const mount = deps.mountFor(path);
            if (mount === undefined) {
              throw new LogicalError(
                'invalid_field',
                400,
                `invalid value for field "path": no mount serves "${path}"`,
              );
            }
            if (fields.role !== '' && mount.kind !== 'auth') {
              throw new LogicalError(
                'invalid_field',
                400,
                'a role can only be set on a quota for an auth mount',
              );
            }
          }
          await deps.quotas().set({
            name: fields.name,
            path,
            rate,
            intervalMs: fields.interval,
            blockIntervalMs: fields.block_interval,
            role: fields.role,
          });
          return undefined;
        },
        delete: async ({ fields }) => {
          await deps.quotas().delete(fields.name);
          return undefined;
        },
      },
      help: 'Creates, reads or deletes a rate-limit quota.',
    }),
  ];
}
