/**
 * sys/mounts, sys/auth (list, enable, disable, read, tune) and sys/internal/ui/mounts.
 * Listings return each mount both under `data` and at the top level (old and new clients read
 * different places).
 */
import { DurationError, parseDuration } from '@strongroom/protocol';
import { definePath } from '../../framework/path.ts';
import type { CompiledPath, PathContext } from '../../framework/path.ts';
import type { FieldTable } from '../../framework/fields.ts';
import type { MountInfo, MountKind } from '../../logical/backend.ts';
import { LogicalError, permissionDenied } from '../../logical/errors.ts';
import type { LogicalResponse } from '../../logical/response.ts';
import { normaliseMountPath } from '../mount-table.ts';
import type { SystemDeps } from './deps.ts';

const seconds = (ms: number): number => Math.floor(ms / 1000);

/** A mount as Vault's `sys/mounts` shows it. */
export function mountView(mount: MountInfo): Record<string, unknown> {
  return {
    accessor: mount.accessor,
    config: {
      default_lease_ttl: seconds(mount.config.defaultLeaseTtlMs),
      max_lease_ttl: seconds(mount.config.maxLeaseTtlMs),
      force_no_cache: false,
    },
    description: mount.description,
    external_entropy_access: false,
    local: mount.local,
    options: Object.keys(mount.options).length === 0 ? null : { ...mount.options },
    plugin_version: '',
    running_plugin_version: 'v0.1.0+builtin.strongroom',
    running_sha256: '',
    seal_wrap: mount.sealWrap,
    type: mount.type,
    uuid: mount.uuid,
  };
}

function tuneView(mount: MountInfo, deps: Pick<SystemDeps, 'systemTtl'>): Record<string, unknown> {
  const system = deps.systemTtl();
  return {
    default_lease_ttl: seconds(mount.config.defaultLeaseTtlMs || system.defaultTtlMs),
    max_lease_ttl: seconds(mount.config.maxLeaseTtlMs || system.maxTtlMs),
    force_no_cache: false,
    description: mount.description,
    options: Object.keys(mount.options).length === 0 ? null : { ...mount.options },
  };
}

const enableFields = {
  path: { type: 'string', description: 'Where to mount.', required: true },
  type: { type: 'string', description: 'The engine or auth method type.' },
  description: { type: 'string', description: 'Human-friendly description.', default: '' },
  config: {
    type: 'map',
    description: 'Mount configuration: default_lease_ttl, max_lease_ttl.',
    default: {},
  },
  options: { type: 'map', description: 'Engine options (for kv: version).', default: {} },
  local: { type: 'bool', description: 'Not replicated (always local here).', default: false },
  seal_wrap: { type: 'bool', description: 'Accepted for compatibility.', default: false },
  external_entropy_access: {
    type: 'bool',
    description: 'Accepted for compatibility.',
    default: false,
  },
  plugin_name: { type: 'string', description: 'Deprecated alias of type.' },
  plugin_version: { type: 'string', description: 'Accepted for compatibility.' },
} as const satisfies FieldTable;

const tuneFields = {
  path: { type: 'string', description: 'The mount to tune.', required: true },
  default_lease_ttl: { type: 'json', description: 'Default lease TTL (duration or "system").' },
  max_lease_ttl: { type: 'json', description: 'Max lease TTL (duration or "system").' },
  description: { type: 'string', description: 'Human-friendly description.' },
  options: { type: 'map', description: 'Engine options (for kv: version).' },
} as const satisfies FieldTable;

export function mountPaths(deps: SystemDeps): CompiledPath[] {
  return [
    ...pathsFor('secret', 'mounts', deps),
    ...pathsFor('auth', 'auth', deps),
    ...uiMountPaths(deps),
  ];
}

function fullPath(kind: MountKind, path: string): string {
  const normal = normaliseMountPath(path);
  return kind === 'auth' ? `auth/${normal}` : normal;
}

function listing(kind: MountKind, deps: SystemDeps): LogicalResponse {
  const data: Record<string, unknown> = {};
  for (const mount of deps.listMounts(kind)) {
    const key = kind === 'auth' ? mount.path.slice('auth/'.length) : mount.path;
    data[key] = mountView(mount);
  }
  return { data, topLevel: data };
}

function pathsFor(kind: MountKind, root: 'mounts' | 'auth', deps: SystemDeps): CompiledPath[] {
  const requireMount = (path: string): MountInfo => {
    const mount = deps.mountAt(fullPath(kind, path));
    if (mount === undefined) {
      throw new LogicalError(
        'mount_not_found',
        400,
        `cannot fetch sysview for path "${path}": no mount`,
      );
    }
    return mount;
  };
  const tune = async (
    ctx: PathContext<typeof tuneFields>,
  ): Promise<LogicalResponse | undefined> => {
    const { fields } = ctx;
    const config: { defaultLeaseTtlMs?: number; maxLeaseTtlMs?: number } = {};
    if (fields.default_lease_ttl !== undefined) {
      config.defaultLeaseTtlMs = tuneDuration('default_lease_ttl', fields.default_lease_ttl);
    }
    if (fields.max_lease_ttl !== undefined) {
      config.maxLeaseTtlMs = tuneDuration('max_lease_ttl', fields.max_lease_ttl);
    }
    requireMount(fields.path);
    await deps.tuneMount(kind, fullPath(kind, fields.path), {
      config,
      ...(fields.description === undefined ? {} : { description: fields.description }),
      ...(fields.options === undefined ? {} : { options: stringOptions(fields.options) }),
    });
    return undefined;
  };
  return [
    definePath({
      pattern: root,
      fields: {},
      operations: { read: () => Promise.resolve(listing(kind, deps)) },
      help:
        kind === 'auth' ? 'Lists the enabled auth methods.' : 'Lists the mounted secrets engines.',
    }),
    definePath({
      pattern: `${root}/(?<path>.+)/tune`,
      fields: tuneFields,
      operations: {
        read: ({ fields }) => {
          const data = tuneView(requireMount(fields.path), deps);
          return Promise.resolve({ data, topLevel: data });
        },
        update: tune,
      },
      help: "Reads or changes a mount's lease TTLs, description and options.",
    }),
    definePath({
      pattern: `${root}/(?<path>.+)`,
      fields: enableFields,
      operations: {
        read: ({ fields }) => {
          const data = mountView(requireMount(fields.path));
          return Promise.resolve({ data, topLevel: data });
        },
        update: async ({ fields }) => {
          let type = fields.type ?? fields.plugin_name ?? '';
          if (type === '')
            throw new LogicalError('missing_field', 400, 'missing required field "type"');
          const options = stringOptions(fields.options);
          if (type === 'kv-v2') {
            type = 'kv';
            options.version = '2';
          } else if (type === 'kv-v1') {
            type = 'kv';
            options.version = '1';
          }
          const config: { defaultLeaseTtlMs?: number; maxLeaseTtlMs?: number } = {};
          const rawConfig = fields.config;
          if (rawConfig.default_lease_ttl !== undefined && rawConfig.default_lease_ttl !== '') {
            config.defaultLeaseTtlMs = tuneDuration(
              'config.default_lease_ttl',
              rawConfig.default_lease_ttl,
            );
          }
          if (rawConfig.max_lease_ttl !== undefined && rawConfig.max_lease_ttl !== '') {
            config.maxLeaseTtlMs = tuneDuration('config.max_lease_ttl', rawConfig.max_lease_ttl);
          }
          await deps.enableMount({
            kind,
            path: fullPath(kind, fields.path),
            type,
            description: fields.description,
            config,
            options,
            local: fields.local,
            sealWrap: fields.seal_wrap,
          });
          return undefined;
        },
        delete: async ({ fields }) => {
          await deps.disableMount(kind, fullPath(kind, fields.path));
          return undefined;
        },
      },
      help:
        kind === 'auth'
          ? 'Enables, reads or disables an auth method.'
          : 'Mounts, reads or unmounts a secrets engine.',
    }),
  ];
}

function uiMountPaths(deps: SystemDeps): CompiledPath[] {
  return [
    definePath({
      pattern: 'internal/ui/mounts',
      fields: {},
      operations: {
        read: () => {
          const secret: Record<string, unknown> = {};
          const auth: Record<string, unknown> = {};
          for (const m of deps.listMounts('secret')) secret[m.path] = mountView(m);
          for (const m of deps.listMounts('auth'))
            auth[m.path.slice('auth/'.length)] = mountView(m);
          return Promise.resolve({ data: { secret, auth } });
        },
      },
      help: 'Lists mounts for user interfaces.',
    }),
    definePath({
      pattern: 'internal/ui/mounts/(?<path>.+)',
      fields: { path: { type: 'string', description: 'A path inside the mount.', required: true } },
      operations: {
        read: async (ctx) => {
          const path = ctx.fields.path.replace(/^\/+/, '');
          const mount = [...deps.listMounts('secret'), ...deps.listMounts('auth')]
            .filter((m) => path.startsWith(m.path) || `${path}/` === m.path)
            .sort((a, b) => b.path.length - a.path.length)[0];
          const auth = ctx.request.auth;
          // As Vault: the caller must hold some capability somewhere under the mount.
          if (mount === undefined || auth === undefined) throw permissionDenied();
          if (!(await deps.grantsAnyUnder(auth, mount.path))) throw permissionDenied();
          return { data: { ...mountView(mount), path: mount.path } };
        },
      },
      help: "Describes the mount serving a path (clients use it to detect a KV mount's version).",
    }),
  ];
}

function stringOptions(options: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(options)) {
    if (typeof value === 'string') out[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
    else throw new LogicalError('invalid_field', 400, `option "${key}" must be a string`);
  }
  return out;
}

/** Tune durations also accept "system" (reset to the system default, stored as 0). */
function tuneDuration(field: string, value: unknown): number {
  if (value === 'system' || value === '') return 0;
  return parseFieldDuration(field, value);
}

function parseFieldDuration(field: string, value: unknown): number {
  try {
    return parseDuration(value);
  } catch (error) {
    if (error instanceof DurationError) {
      throw new LogicalError(
        'invalid_duration',
        400,
        `invalid value for "${field}": ${error.message}`,
      );
    }
    throw error;
  }
}
