/** `read`, `write`, `list`, `delete`: any API path, as Vault's generic commands. */
import { expectArgs, parseArgs } from '../args.ts';
import { CLIENT_FLAGS, PRINT_FLAGS, clientFrom, formatFrom } from '../context.ts';
import { parseDataArgs } from '../data-args.ts';
import { CommandError, UsageError } from '../errors.ts';
import { println } from '../io.ts';
import { columns, printFormatted, printResponse } from '../output/index.ts';
import type { OutputFormat } from '../output/index.ts';
import type { Command } from './command.ts';

/** Query parameters of `read PATH k=v`: plain values only. */
function queryArgs(args: readonly string[]): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [index, arg] of args.entries()) {
    const eq = arg.indexOf('=');
    if (eq <= 0)
      throw new UsageError(`invalid key/value pair in argument ${index + 2}: expected key=value`);
    query[arg.slice(0, eq)] = arg.slice(eq + 1);
  }
  return query;
}

/** Prints list keys as Vault does: a `Keys` column, or a JSON array. */
export function printKeys(
  io: Parameters<Command['run']>[1],
  keys: readonly string[],
  format: OutputFormat,
): void {
  printFormatted(io.stdout, format, keys, () =>
    columns(
      ['Keys'],
      keys.map((k) => [k]),
    ),
  );
}

export const genericCommands: Command[] = [
  {
    name: 'read',
    usage: '[-field=NAME] [-format=table|json] PATH [KEY=VALUE...]',
    summary: 'Reads data at a path (extra pairs are query parameters).',
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, PRINT_FLAGS);
      const [path, ...pairs] = args;
      if (path === undefined) throw new UsageError('not enough arguments; usage: read PATH');
      const format = formatFrom(io, flags);
      const client = await clientFrom(io, flags);
      const response = await client.read(
        path,
        pairs.length === 0 ? {} : { query: queryArgs(pairs) },
      );
      if (response === undefined) throw new CommandError(`No value found at ${path}`, 2);
      printResponse(io.stdout, response, { format, field: flags.field });
      return 0;
    },
  },
  {
    name: 'write',
    usage: '[-field=NAME] [-format=table|json] PATH [KEY=VALUE|KEY=@FILE|KEY=-]... | PATH -',
    summary: 'Writes data to a path.',
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, { ...PRINT_FLAGS, force: 'bool', f: 'bool' });
      const [path, ...pairs] = args;
      if (path === undefined)
        throw new UsageError('not enough arguments; usage: write PATH [KEY=VALUE...]');
      const format = formatFrom(io, flags);
      const data = await parseDataArgs(io, pairs);
      const client = await clientFrom(io, flags);
      const response = await client.write(path, data);
      if (response === undefined) {
        println(io.stdout, `Success! Data written to: ${path}`);
        return 0;
      }
      printResponse(io.stdout, response, { format, field: flags.field });
      return 0;
    },
  },
  {
    name: 'list',
    usage: '[-format=table|json] PATH',
    summary: 'Lists the keys under a path.',
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, CLIENT_FLAGS);
      const [path = ''] = expectArgs(args, 1, 'list PATH');
      const format = formatFrom(io, flags);
      const client = await clientFrom(io, flags);
      const keys = await client.list(path);
      if (keys.length === 0) throw new CommandError(`No value found at ${path}`, 2);
      printKeys(io, keys, format);
      return 0;
    },
  },
  {
    name: 'delete',
    usage: 'PATH',
    summary: 'Deletes data at a path.',
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, CLIENT_FLAGS);
      const [path = ''] = expectArgs(args, 1, 'delete PATH');
      const client = await clientFrom(io, flags);
      await client.delete(path);
      println(io.stdout, `Success! Data deleted (if it existed) at: ${path}`);
      return 0;
    },
  },
];
