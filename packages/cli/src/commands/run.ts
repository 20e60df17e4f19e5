/**
 * `run [-path=P]... [-prefix=S] -- COMMAND [ARGS...]`: reads each secret and starts COMMAND with
 * its fields as environment variables; COMMAND's exit code becomes ours (128 + signal number when
 * it is killed by a signal, 127 when it cannot be started).
 *
 * Naming: a field `db_password` becomes `DB_PASSWORD` (upper-cased, other characters than
 * letters, digits and `_` replaced by `_`), after `-prefix`. Later paths win over earlier ones;
 * secrets win over the inherited environment. Values that are not strings are passed as JSON.
 * Secret values go only into the child's environment, never to our output.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { VaultProvider } from '@strongroom/client';
import { parseArgs } from '../args.ts';
import { CLIENT_FLAGS, clientFrom } from '../context.ts';
import { CommandError, UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import type { Command } from './command.ts';

export function envName(prefix: string, field: string): string {
  const name = `${prefix}${field}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

export const runCommands: Command[] = [
  {
    name: 'run',
    usage: '[-path=PATH]... [-prefix=S] -- COMMAND [ARGS...]',
    summary: "Runs a command with secrets' fields as environment variables.",
    async run(argv, io) {
      const { flags, args, rest } = parseArgs(
        argv,
        { ...CLIENT_FLAGS, path: 'list', prefix: 'string' },
        {
          stopAtPositional: true,
        },
      );
      const command = rest ?? args;
      const [program, ...programArgs] = command;
      if (program === undefined)
        throw new UsageError('no command given; usage: run [-path=PATH]... -- COMMAND [ARGS...]');
      const paths = flags.path ?? [];
      if (paths.length === 0) throw new UsageError('at least one -path=PATH is required');
      const client = await clientFrom(io, flags);
      const provider = new VaultProvider({ client, mountCacheMs: 0 });
      const injected: Record<string, string> = {};
      const signal = AbortSignal.timeout(60_000);
      for (const path of paths) {
        const { value } = await provider.fetch(path, { signal });
        if (typeof value === 'string') {
          throw new CommandError(`secret at ${path} is not a set of fields`);
        }
        for (const [field, fieldValue] of Object.entries(value)) {
          injected[envName(flags.prefix ?? '', field)] =
            typeof fieldValue === 'string' ? fieldValue : JSON.stringify(fieldValue);
        }
      }
      return spawnChild(io, program, programArgs, { ...definedEnv(io.env), ...injected });
    },
  },
];

function definedEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

function spawnChild(
  io: CliIo,
  program: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<number> {
  const inherit = io.inheritStdio ?? io.stdout === process.stdout;
  return new Promise((resolve) => {
    const child = spawn(program, args, {
      env,
      stdio: inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'],
      ...(io.cwd === undefined ? {} : { cwd: io.cwd }),
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => io.stdout.write(chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => io.stderr.write(chunk));
    // While the child runs, Ctrl-C and termination go to it; its exit decides ours.
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    if (inherit) {
      process.on('SIGINT', forward);
      process.on('SIGTERM', forward);
    }
    const done = (code: number): void => {
      if (inherit) {
        process.off('SIGINT', forward);
        process.off('SIGTERM', forward);
      }
      resolve(code);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      io.stderr.write(`Error: cannot run ${program}: ${error.code ?? error.name}\n`);
      done(error.code === 'ENOENT' || error.code === 'EACCES' ? 127 : 1);
    });
    child.on('close', (code, signal) => {
      if (code !== null) done(code);
      else done(128 + (signal === null ? 0 : constants.signals[signal]));
    });
  });
}
