/** @strongroom/cli: the `strongroom` command line, callable in-process. */
export { CLI_VERSION, main } from './main.ts';
export { processIo } from './io.ts';
export type { CliIo, TextSink } from './io.ts';
export { CommandError, UsageError } from './errors.ts';
export { parseArgs } from './args.ts';
export type { FlagKind, FlagSpec, FlagValues, ParsedArgs } from './args.ts';
export { commands, envName } from './commands/index.ts';
export type { Command } from './commands/index.ts';
