/** `policy write|read|list|delete` over `sys/policies/acl`. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { expectArgs, parseArgs } from '../args.ts';
import { CLIENT_FLAGS, clientFrom, formatFrom } from '../context.ts';
import { CommandError, UsageError } from '../errors.ts';
import { cwdOf, println, readStdin } from '../io.ts';
import { printFormatted } from '../output/index.ts';
import type { Command } from './command.ts';

export const policyCommands: Command[] = [
  {
    name: 'policy write',
    usage: 'NAME FILE|-',
    summary: 'Uploads a policy from a file or stdin (HCL or JSON).',
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, CLIENT_FLAGS);
      const [name = '', source = ''] = expectArgs(args, 2, 'policy write NAME FILE|-');
      let rules: string;
      if (source === '-') {
        rules = await readStdin(io);
      } else {
        const file = resolve(cwdOf(io), source);
        try {
          rules = await readFile(file, 'utf8');
        } catch (error) {
          throw new UsageError(
            `cannot read policy file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
          );
        }
      }
      const client = await clientFrom(io, flags);
      await client.sys.writePolicy(name, rules);
      println(io.stdout, `Success! Uploaded policy: ${name}`);
      return 0;
    },
  },
  {
    name: 'policy read',
    usage: 'NAME [-format=table|json]',
    summary: "Prints a policy's rules.",
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, CLIENT_FLAGS);
      const [name = ''] = expectArgs(args, 1, 'policy read NAME');
      const format = formatFrom(io, flags);
      const client = await clientFrom(io, flags);
      const rules = await client.sys.readPolicy(name);
      if (rules === undefined) throw new CommandError(`No policy named: ${name}`, 2);
      printFormatted(io.stdout, format, { name, rules }, () => [rules.replace(/\n$/, '')]);
      return 0;
    },
  },
  {
    name: 'policy list',
    usage: '[-format=table|json]',
    summary: 'Lists policy names.',
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, CLIENT_FLAGS);
      expectArgs(args, 0, 'policy list');
      const format = formatFrom(io, flags);
      const client = await clientFrom(io, flags);
      const names = await client.sys.policies();
      printFormatted(io.stdout, format, names, () => names);
      return 0;
    },
  },
  {
    name: 'policy delete',
    usage: 'NAME',
    summary: 'Deletes a policy (succeeds if it does not exist).',
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, CLIENT_FLAGS);
      const [name = ''] = expectArgs(args, 1, 'policy delete NAME');
      const client = await clientFrom(io, flags);
      await client.sys.deletePolicy(name);
      println(io.stdout, `Success! Deleted policy: ${name}`);
      return 0;
    },
  },
];
