/**
 * The `strongroom` command line: `main(argv, io)` runs one command and resolves to its exit code
 * (0 success, 1 error, 2 usage error or "no value found"; `status` 2 when sealed; `run` passes
 * its child's code through). It never calls `process.exit`, so tests run it in-process.
 *
 * Errors print as one line on stderr. Messages come from our own errors and the server's
 * `errors` strings, never from request bodies, tokens or values.
 */
import { realpathSync } from 'node:fs';
import { SecretsError } from '@strongroom/client';
import { commands } from './commands/index.ts';
import type { Command } from './commands/index.ts';
import { CommandError, UsageError } from './errors.ts';
import { println, processIo } from './io.ts';
import type { CliIo } from './io.ts';

export { processIo } from './io.ts';

export const CLI_VERSION = '0.1.0';

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [first] = argv;
  if (
    first === undefined ||
    first === '-h' ||
    first === '-help' ||
    first === '--help' ||
    first === 'help'
  ) {
    printUsage(first === undefined ? io.stderr : io.stdout);
    return first === undefined ? 2 : 0;
  }
  if (first === 'version' || first === '-version' || first === '--version' || first === '-v') {
    println(io.stdout, `Strongroom v${CLI_VERSION}`);
    return 0;
  }
  const match = findCommand(argv);
  if (match === undefined) {
    const group = commands.filter((c) => c.name.startsWith(`${first} `));
    if (group.length > 0) {
      println(
        io.stderr,
        `Usage error: "${argv.slice(0, 2).join(' ')}" is not a command; try one of: ${group.map((c) => c.name).join(', ')}`,
      );
    } else {
      println(
        io.stderr,
        `Usage error: unknown command "${first}"; run "strongroom -h" for the list`,
      );
    }
    return 2;
  }
  const { command, rest } = match;
  if (wantsHelp(rest, command)) {
    println(io.stdout, `Usage: strongroom ${command.name} ${command.usage}`.trimEnd());
    println(io.stdout);
    println(io.stdout, `  ${command.summary}`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    return reportError(io, error);
  }
}

/** The longest command name that prefixes `argv`. */
function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | undefined {
  let best: { command: Command; words: number } | undefined;
  for (const command of commands) {
    const words = command.name.split(' ');
    if (
      words.every((word, i) => argv[i] === word) &&
      (best === undefined || words.length > best.words)
    ) {
      best = { command, words: words.length };
    }
  }
  return best === undefined ? undefined : { command: best.command, rest: argv.slice(best.words) };
}

/** `-h` before `--` (and, for `run`, before the child's command line). */
function wantsHelp(argv: readonly string[], command: Command): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (command.name === 'run' && !arg.startsWith('-')) return false;
    if (arg === '-h' || arg === '-help' || arg === '--help' || arg === '--h') return true;
  }
  return false;
}

function reportError(io: CliIo, error: unknown): number {
  if (error instanceof UsageError) {
    println(io.stderr, `Usage error: ${error.message}`);
    return 2;
  }
  if (error instanceof CommandError) {
    println(io.stderr, error.exitCode === 2 ? error.message : `Error: ${error.message}`);
    return error.exitCode;
  }
  if (error instanceof SecretsError) {
    println(io.stderr, `Error: ${error.message}`);
    return 1;
  }
  if (error instanceof SyntaxError) {
    // A parser's message can quote its input.
    println(io.stderr, 'Error: invalid JSON');
    return 1;
  }
  if (error instanceof Error) {
    println(io.stderr, `Error: ${error.message.split('\n')[0] ?? error.name}`);
    return 1;
  }
  println(io.stderr, 'Error: unexpected failure');
  return 1;
}

function printUsage(sink: CliIo['stdout']): void {
  println(sink, 'Usage: strongroom <command> [options] [args]');
  println(sink);
  println(sink, 'A Vault-compatible secrets server and its command line. Commands:');
  println(sink);
  const width = Math.max(...commands.map((c) => c.name.length));
  for (const command of commands) {
    println(sink, `    ${command.name.padEnd(width)}    ${command.summary}`);
  }
  println(sink);
  println(
    sink,
    'Server address: -address, STRONGROOM_ADDR or VAULT_ADDR (default http://127.0.0.1:8200).',
  );
  println(sink, 'Token: STRONGROOM_TOKEN, VAULT_TOKEN or ~/.vault-token.');
}

/** Whether this module is the process's entry point (`node packages/cli/src/main.ts ...`). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(import.meta.filename);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await main(process.argv.slice(2), processIo());
}
