/**
 * `sys/audit` (list, enable, disable) and `sys/audit-hash/<path>`.
 *
 * `sys/audit` and `sys/audit/*` require sudo (the system backend lists them in
 * `specialPaths.root`); `sys/audit-hash` does not, as in Vault. The listing returns each device
 * both under `data` and at the top level (old and new clients read different places). A device's
 * salt is never returned.
 */
import type { AuditDeviceInfo, EnableAuditInput } from '../../audit/index.ts';
import { definePath } from '../../framework/path.ts';
import type { CompiledPath } from '../../framework/path.ts';
import { LogicalError } from '../../logical/errors.ts';

/** What these paths need from the core: the broker of the unsealed core, narrowly. */
export interface AuditSystemDeps {
  audit(): {
    list(): AuditDeviceInfo[];
    enable(input: EnableAuditInput): Promise<AuditDeviceInfo>;
    disable(path: string): Promise<void>;
    hash(path: string, input: string): string;
  };
}

/** The patterns, relative to `sys/`, that need sudo. */
export const AUDIT_ROOT_PATHS = ['audit', 'audit/*'] as const;

export function auditPaths(deps: AuditSystemDeps): CompiledPath[] {
  return [
    definePath({
      pattern: 'audit/?',
      fields: {},
      operations: {
        read: () => {
          const data: Record<string, unknown> = {};
          for (const device of deps.audit().list()) {
            data[device.path] = {
              type: device.type,
              description: device.description,
              options: device.options,
              local: device.local,
              path: device.path,
            };
          }
          return Promise.resolve({ data, topLevel: data });
        },
      },
      help: 'Lists the enabled audit devices.',
    }),
    definePath({
      pattern: 'audit/(?<path>.+)',
      fields: {
        path: { type: 'string', description: 'Where the device is enabled.', required: true },
        type: {
          type: 'string',
          description: 'The device type: file, socket or syslog.',
        },
        description: {
          type: 'string',
          description: 'Human-friendly description of the device.',
          default: '',
        },
        options: {
          type: 'map',
          description:
            'Device options (file: file_path, mode; socket: address, socket_type, ' +
            'write_timeout; syslog: facility, tag; all: prefix, hmac_accessor, format).',
          default: {},
        },
        local: {
          type: 'bool',
          description: 'Not replicated (always local here).',
          default: false,
        },
      },
      operations: {
        update: async ({ fields }) => {
          const type = fields.type ?? '';
          if (type === '') throw new LogicalError('missing_field', 400, 'missing audit type');
          await deps.audit().enable({
            path: fields.path,
            type,
            description: fields.description,
            options: fields.options,
            local: fields.local,
          });
          return undefined;
        },
        delete: async ({ fields }) => {
          await deps.audit().disable(fields.path);
          return undefined;
        },
      },
      help: 'Enables or disables an audit device.',
    }),
    definePath({
      pattern: 'audit-hash/(?<path>.+)',
      fields: {
        path: { type: 'string', description: 'The audit device to hash with.', required: true },
        input: {
          type: 'string',
          description: 'The value to hash, as it would appear in a request or response.',
          required: true,
          sensitive: true,
        },
      },
      operations: {
        update: ({ fields }) => {
          const data = { hash: deps.audit().hash(fields.path, fields.input) };
          return Promise.resolve({ data, topLevel: data });
        },
      },
      help: "Hashes a value with an audit device's salt, to find it in that device's log.",
    }),
  ];
}
