/**
 * `kv put|get|list|delete|patch|undelete|destroy|metadata get|metadata delete`, for KV v1 and v2.
 * The mount's version is detected from `sys/internal/ui/mounts/<path>` by the client; `-mount`
 * names the mount explicitly, the path is then relative to it.
 */
import { joinPath, kvV2Path, normalizeApiPath } from '@strongroom/client';
import type { KvMount, KvOptions } from '@strongroom/client';
import type { VaultResponse } from '@strongroom/protocol';
import { expectArgs, parseArgs, splitList } from '../args.ts';
import { CLIENT_FLAGS, clientFrom, formatFrom } from '../context.ts';
import { parseDataArgs } from '../data-args.ts';
import { CommandError, UsageError } from '../errors.ts';
import { println } from '../io.ts';
import type { CliIo } from '../io.ts';
import {
  byKey,
  formatValue,
  keyValueTable,
  printField,
  printJson,
  printLines,
  rawField,
  responsePairs,
  sectionHeader,
  widthOf,
} from '../output/index.ts';
import type { OutputFormat } from '../output/index.ts';
import { printKeys } from './generic.ts';
import type { Command } from './command.ts';

const KV_FLAGS = { ...CLIENT_FLAGS, mount: 'string' } as const;

function kvOptions(flags: { readonly mount?: string }): KvOptions {
  return flags.mount === undefined ? {} : { mount: flags.mount };
}

/** The full path a user means: `-mount=secret app` and `secret/app` are the same secret. */
function fullPath(flags: { readonly mount?: string }, path: string): string {
  return flags.mount === undefined ? normalizeApiPath(path) : joinPath(flags.mount, path);
}

/** The API path a v2 operation used, for messages (`secret/data/app`). */
function apiPathOf(
  mount: KvMount,
  prefix: 'data' | 'metadata' | 'delete' | 'undelete' | 'destroy',
  full: string,
): string {
  return mount.version === 2 ? kvV2Path(mount.path, prefix, full) : full;
}

function versionsFlag(values: readonly string[] | undefined, required: boolean): number[] {
  const versions = splitList(values).map((v) => {
    if (!/^\d+$/.test(v))
      throw new UsageError('-versions must be a comma-separated list of version numbers');
    return Number(v);
  });
  if (required && versions.length === 0)
    throw new UsageError('no versions given: use -versions=1,2');
  return versions;
}

/** Sections as Vault's KV commands print them: a header as wide as the table below it. */
function printSection(io: CliIo, title: string, lines: readonly string[]): void {
  println(io.stdout, sectionHeader(title, widthOf(lines)));
  printLines(io.stdout, lines);
}

function printPathSection(io: CliIo, title: string, apiPath: string): void {
  printSection(io, title, [apiPath]);
  println(io.stdout);
}

function metadataPairs(metadata: Readonly<Record<string, unknown>>): [string, string][] {
  return Object.entries(metadata)
    .filter(([key]) => key !== 'versions')
    .sort(byKey)
    .map(([key, value]) => [
      key,
      value === '' && key === 'deletion_time' ? 'n/a' : formatValue(value),
    ]);
}

/** Output of a v2 write (put, patch): the path and the new version's metadata. */
function printWriteResult(
  io: CliIo,
  mount: KvMount,
  full: string,
  response: VaultResponse | undefined,
  format: OutputFormat,
  field: string | undefined,
): void {
  if (field !== undefined && field !== '') {
    const value = response?.data?.[field];
    if (value === undefined) throw new CommandError(`field "${field}" not present in secret`);
    printField(io.stdout, rawField(value));
    return;
  }
  if (response === undefined) {
    println(io.stdout, `Success! Data written to: ${full}`);
    return;
  }
  if (format === 'json') {
    printJson(io.stdout, response);
    return;
  }
  if (mount.version === 2) {
    printPathSection(io, 'Secret Path', apiPathOf(mount, 'data', full));
    printSection(io, 'Metadata', keyValueTable(metadataPairs(response.data ?? {})));
    return;
  }
  printLines(io.stdout, keyValueTable(responsePairs(response)));
}

/** `kv put` and `kv patch`: the same flags, data arguments and output; only the call differs. */
async function runKvWrite(
  operation: 'put' | 'patch',
  argv: readonly string[],
  io: CliIo,
): Promise<number> {
  const { flags, args } = parseArgs(argv, { ...KV_FLAGS, cas: 'int', field: 'string' });
  const [path, ...pairs] = args;
  if (path === undefined || pairs.length === 0) {
    throw new UsageError(`not enough arguments; usage: kv ${operation} PATH KEY=VALUE...`);
  }
  const format = formatFrom(io, flags);
  const data = await parseDataArgs(io, pairs);
  const client = await clientFrom(io, flags);
  const { mount, response } = await client.kv[operation](path, data, {
    ...kvOptions(flags),
    ...(flags.cas === undefined ? {} : { cas: flags.cas }),
  });
  printWriteResult(io, mount, fullPath(flags, path), response, format, flags.field);
  return 0;
}

/** `kv undelete` and `kv destroy`: both act on the `-versions` (required) of a KV v2 secret. */
async function runKvVersions(
  operation: 'undelete' | 'destroy',
  argv: readonly string[],
  io: CliIo,
): Promise<number> {
  const { flags, args } = parseArgs(argv, { ...KV_FLAGS, versions: 'list' });
  const [path = ''] = expectArgs(args, 1, `kv ${operation} -versions=N PATH`);
  const versions = versionsFlag(flags.versions, true);
  const client = await clientFrom(io, flags);
  const mount = await client.kv[operation](path, versions, kvOptions(flags));
  println(
    io.stdout,
    `Success! Data written to: ${apiPathOf(mount, operation, fullPath(flags, path))}`,
  );
  return 0;
}

export const kvCommands: Command[] = [
  {
    name: 'kv put',
    usage:
      '[-mount=M] [-cas=N] [-format=table|json] [-field=F] PATH [KEY=VALUE|KEY=@FILE|KEY=-]... | PATH -',
    summary: 'Writes a secret (a new version on KV v2).',
    run: (argv, io) => runKvWrite('put', argv, io),
  },
  {
    name: 'kv patch',
    usage: '[-mount=M] [-cas=N] [-format=table|json] [-field=F] PATH KEY=VALUE...',
    summary: 'Merges fields into the latest version of a KV v2 secret.',
    run: (argv, io) => runKvWrite('patch', argv, io),
  },
  {
    name: 'kv get',
    usage: '[-mount=M] [-version=N] [-field=F] [-format=table|json] PATH',
    summary: 'Reads a secret (the latest or a given version on KV v2).',
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, { ...KV_FLAGS, version: 'int', field: 'string' });
      const [path = ''] = expectArgs(args, 1, 'kv get [options] PATH');
      const format = formatFrom(io, flags);
      const client = await clientFrom(io, flags);
      const full = fullPath(flags, path);
      const secret = await client.kv.get(path, {
        ...kvOptions(flags),
        ...(flags.version === undefined ? {} : { version: flags.version }),
      });
      if (secret === undefined) throw new CommandError(`No value found at ${full}`, 2);
      const { mount } = secret;
      if (flags.field !== undefined && flags.field !== '') {
        const data = secret.data ?? {};
        if (!Object.hasOwn(data, flags.field))
          throw new CommandError(`field "${flags.field}" not present in secret`);
        printField(io.stdout, rawField(data[flags.field]));
        return 0;
      }
      if (format === 'json') {
        printJson(io.stdout, secret.response);
        return 0;
      }
      if (mount.version === 1) {
        printLines(io.stdout, keyValueTable(responsePairs(secret.response)));
        return 0;
      }
      printPathSection(io, 'Secret Path', secret.apiPath);
      printSection(io, 'Metadata', keyValueTable(metadataPairs(secret.metadata ?? {})));
      if (secret.data === null) {
        throw new CommandError(
          `No value found at ${secret.apiPath}: the version is deleted or destroyed`,
          2,
        );
      }
      println(io.stdout);
      printSection(
        io,
        'Data',
        keyValueTable(
          Object.entries(secret.data)
            .sort(byKey)
            .map(([k, v]) => [k, formatValue(v)]),
        ),
      );
      return 0;
    },
  },
  {
    name: 'kv list',
    usage: '[-mount=M] [-format=table|json] PATH',
    summary: 'Lists the secrets under a path.',
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, KV_FLAGS);
      const [path = ''] = expectArgs(args, 1, 'kv list [options] PATH');
      const format = formatFrom(io, flags);
      const client = await clientFrom(io, flags);
      const keys = await client.kv.list(path, kvOptions(flags));
      if (keys.length === 0)
        throw new CommandError(`No value found at ${fullPath(flags, path)}`, 2);
      printKeys(io, keys, format);
      return 0;
    },
  },
  {
    name: 'kv delete',
    usage: '[-mount=M] [-versions=N,...] PATH',
    summary: 'Deletes a secret (KV v2: soft-deletes the latest or the given versions).',
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, { ...KV_FLAGS, versions: 'list' });
      const [path = ''] = expectArgs(args, 1, 'kv delete [options] PATH');
      const versions = versionsFlag(flags.versions, false);
      const client = await clientFrom(io, flags);
      const mount = await client.kv.delete(path, {
        ...kvOptions(flags),
        ...(versions.length === 0 ? {} : { versions }),
      });
      const full = fullPath(flags, path);
      println(
        io.stdout,
        `Success! Data deleted (if it existed) at: ${apiPathOf(mount, versions.length === 0 ? 'data' : 'delete', full)}`,
      );
      return 0;
    },
  },
  {
    name: 'kv undelete',
    usage: '[-mount=M] -versions=N,... PATH',
    summary: 'Restores soft-deleted versions of a KV v2 secret.',
    run: (argv, io) => runKvVersions('undelete', argv, io),
  },
  {
    name: 'kv destroy',
    usage: '[-mount=M] -versions=N,... PATH',
    summary: 'Permanently removes versions of a KV v2 secret.',
    run: (argv, io) => runKvVersions('destroy', argv, io),
  },
  {
    name: 'kv metadata get',
    usage: '[-mount=M] [-format=table|json] PATH',
    summary: 'Shows the metadata and versions of a KV v2 secret.',
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, KV_FLAGS);
      const [path = ''] = expectArgs(args, 1, 'kv metadata get [options] PATH');
      const format = formatFrom(io, flags);
      const client = await clientFrom(io, flags);
      const result = await client.kv.readMetadata(path, kvOptions(flags));
      const full = fullPath(flags, path);
      if (result === undefined) throw new CommandError(`No value found at ${full}`, 2);
      if (format === 'json') {
        printJson(io.stdout, result.response);
        return 0;
      }
      const metadata = result.response.data ?? {};
      printPathSection(io, 'Metadata Path', apiPathOf(result.mount, 'metadata', full));
      printSection(io, 'Metadata', keyValueTable(metadataPairs(metadata)));
      const versions = metadata.versions;
      if (typeof versions === 'object' && versions !== null) {
        const entries = Object.entries(versions as Record<string, unknown>).sort(
          ([a], [b]) => Number(a) - Number(b),
        );
        for (const [version, info] of entries) {
          println(io.stdout);
          const pairs =
            typeof info === 'object' && info !== null
              ? metadataPairs(info as Record<string, unknown>)
              : [['value', formatValue(info)] as [string, string]];
          printSection(io, `Version ${version}`, keyValueTable(pairs));
        }
      }
      return 0;
    },
  },
  {
    name: 'kv metadata delete',
    usage: '[-mount=M] PATH',
    summary: 'Permanently deletes every version and the metadata of a KV v2 secret.',
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, KV_FLAGS);
      const [path = ''] = expectArgs(args, 1, 'kv metadata delete [options] PATH');
      const client = await clientFrom(io, flags);
      const mount = await client.kv.deleteMetadata(path, kvOptions(flags));
      println(
        io.stdout,
        `Success! Data deleted (if it existed) at: ${apiPathOf(mount, 'metadata', fullPath(flags, path))}`,
      );
      return 0;
    },
  },
];
