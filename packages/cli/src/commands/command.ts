/** The shape of a CLI command: its words, its usage line and what it does. */
import type { CliIo } from '../io.ts';

export interface Command {
  /** The words that select it: `token create`, `kv metadata get`. */
  readonly name: string;
  /** Arguments and flags, after the name. */
  readonly usage: string;
  readonly summary: string;
  /** Runs with the arguments after the name; resolves to the exit code. */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}
