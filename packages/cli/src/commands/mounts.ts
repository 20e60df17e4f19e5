/** `secrets enable|list|disable` and `auth enable|list|disable`: the two mount tables. */
import type { EnableMountInput, MountOutput, VaultClient } from '@strongroom/client';
import { expectArgs, keyValuePairs, parseArgs } from '../args.ts';
import { CLIENT_FLAGS, clientFrom, formatFrom } from '../context.ts';
import { UsageError } from '../errors.ts';
import { println } from '../io.ts';
import { columns, formatValue, humanDuration, printFormatted } from '../output/index.ts';
import type { Command } from './command.ts';

type Kind = 'secrets' | 'auth';

const ENABLE_FLAGS = {
  ...CLIENT_FLAGS,
  path: 'string',
  description: 'string',
  'default-lease-ttl': 'string',
  'max-lease-ttl': 'string',
  options: 'list',
  local: 'bool',
  'seal-wrap': 'bool',
} as const;

function api(client: VaultClient, kind: Kind) {
  return kind === 'secrets'
    ? {
        list: () => client.sys.mounts(),
        enable: (path: string, input: EnableMountInput) => client.sys.enableMount(path, input),
        disable: (path: string) => client.sys.disableMount(path),
      }
    : {
        list: () => client.sys.authMethods(),
        enable: (path: string, input: EnableMountInput) => client.sys.enableAuth(path, input),
        disable: (path: string) => client.sys.disableAuth(path),
      };
}

const noun = (kind: Kind, type: string): string =>
  kind === 'secrets' ? `the ${type} secrets engine` : `the ${type} auth method`;

function mountCommands(kind: Kind): Command[] {
  return [
    {
      name: `${kind} enable`,
      usage: `[-path=PATH] [-description=S] [-default-lease-ttl=D] [-max-lease-ttl=D] [-options=K=V]...${kind === 'secrets' ? ' [-version=N]' : ''} TYPE`,
      summary: kind === 'secrets' ? 'Mounts a secrets engine.' : 'Enables an auth method.',
      async run(argv, io) {
        const { flags, args } = parseArgs(
          argv,
          kind === 'secrets' ? { ...ENABLE_FLAGS, version: 'int' } : ENABLE_FLAGS,
        );
        const [type = ''] = expectArgs(args, 1, `${kind} enable [options] TYPE`);
        const path = (flags.path ?? type).replace(/^\/+|\/+$/g, '');
        if (path === '') throw new UsageError('the mount path must not be empty');
        const options = keyValuePairs(flags.options, 'options');
        const version = 'version' in flags ? flags.version : undefined;
        if (typeof version === 'number') options.version = String(version);
        const config: Record<string, string> = {};
        if (flags['default-lease-ttl'] !== undefined)
          config.default_lease_ttl = flags['default-lease-ttl'];
        if (flags['max-lease-ttl'] !== undefined) config.max_lease_ttl = flags['max-lease-ttl'];
        const client = await clientFrom(io, flags);
        await api(client, kind).enable(path, {
          type,
          ...(flags.description === undefined ? {} : { description: flags.description }),
          ...(Object.keys(config).length === 0 ? {} : { config }),
          ...(Object.keys(options).length === 0 ? {} : { options }),
          ...(flags.local === undefined ? {} : { local: flags.local }),
          ...(flags['seal-wrap'] === undefined ? {} : { seal_wrap: flags['seal-wrap'] }),
        });
        println(io.stdout, `Success! Enabled ${noun(kind, type)} at: ${path}/`);
        return 0;
      },
    },
    {
      name: `${kind} list`,
      usage: '[-detailed] [-format=table|json]',
      summary:
        kind === 'secrets'
          ? 'Lists the mounted secrets engines.'
          : 'Lists the enabled auth methods.',
      async run(argv, io) {
        const { flags, args } = parseArgs(argv, { ...CLIENT_FLAGS, detailed: 'bool' });
        expectArgs(args, 0, `${kind} list`);
        const format = formatFrom(io, flags);
        const client = await clientFrom(io, flags);
        const table = await api(client, kind).list();
        printFormatted(io.stdout, format, table, () => mountRows(table, flags.detailed === true));
        return 0;
      },
    },
    {
      name: `${kind} disable`,
      usage: 'PATH',
      summary:
        kind === 'secrets'
          ? 'Unmounts a secrets engine, revoking its leases and deleting its data.'
          : 'Disables an auth method, revoking the tokens it issued.',
      async run(argv, io) {
        const { flags, args } = parseArgs(argv, CLIENT_FLAGS);
        const [raw = ''] = expectArgs(args, 1, `${kind} disable PATH`);
        const path = raw.replace(/^\/+|\/+$/g, '');
        const client = await clientFrom(io, flags);
        await api(client, kind).disable(path);
        println(
          io.stdout,
          `Success! Disabled ${kind === 'secrets' ? 'the secrets engine' : 'the auth method'} (if it existed) at: ${path}/`,
        );
        return 0;
      },
    },
  ];
}

function mountRows(table: Record<string, MountOutput>, detailed: boolean): string[] {
  const paths = Object.keys(table).sort();
  const header = detailed
    ? [
        'Path',
        'Type',
        'Accessor',
        'Default TTL',
        'Max TTL',
        'Local',
        'Seal Wrap',
        'Options',
        'Description',
      ]
    : ['Path', 'Type', 'Accessor', 'Description'];
  const rows = paths.map((path) => {
    const mount = table[path] as MountOutput;
    const description = mount.description === '' ? 'n/a' : mount.description;
    if (!detailed) return [path, mount.type, mount.accessor, description];
    const config = mount.config ?? {};
    return [
      path,
      mount.type,
      mount.accessor,
      humanDuration(config.default_lease_ttl, 'system'),
      humanDuration(config.max_lease_ttl, 'system'),
      String(mount.local ?? false),
      String(mount.seal_wrap ?? false),
      formatValue(mount.options),
      description,
    ];
  });
  return columns(header, rows);
}

export const secretsCommands: Command[] = mountCommands('secrets');
export const authCommands: Command[] = mountCommands('auth');
