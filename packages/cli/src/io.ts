/**
 * What a command may touch outside itself: output streams, stdin, the environment, the home
 * directory (for `~/.vault-token`), and how to wait for a shutdown. `main` takes it as an argument
 * so tests run commands in-process with captured output and a private environment.
 */
import { homedir } from 'node:os';

/** Anything with `write(string)`: a process stream, or a test's buffer. */
export interface TextSink {
  write(chunk: string): unknown;
  /** A terminal gets a trailing newline after `-field` output, as Vault does. */
  readonly isTTY?: boolean;
}

export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** Read for `-` arguments and keys typed at `operator unseal`; absent means empty input. */
  readonly stdin?: AsyncIterable<string | Uint8Array>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Default: `$HOME`, else the OS home directory. */
  readonly homeDir?: string;
  /** Default: the process's working directory. Relative `@file` and policy files resolve here. */
  readonly cwd?: string;
  /**
   * Long-running commands (`server`) stop when this aborts; without it they stop on SIGINT or
   * SIGTERM.
   */
  readonly shutdown?: AbortSignal;
  /**
   * `run` children share the parent's terminal when true; otherwise their output is piped into
   * `stdout`/`stderr` (tests). Default: true only when stdout is the process's own.
   */
  readonly inheritStdio?: boolean;
  /** Injectable transport for the API client. */
  readonly fetch?: (input: URL, init: RequestInit) => Promise<Response>;
}

/** The real process's streams and environment. */
export function processIo(): CliIo {
  // A reader that goes away (`strongroom kv get ... | head -1`) is not an error worth a stack
  // trace: stop quietly, as Unix tools do.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    inheritStdio: true,
  };
}

export function homeDirOf(io: CliIo): string {
  return io.homeDir ?? io.env.HOME ?? homedir();
}

export function cwdOf(io: CliIo): string {
  return io.cwd ?? process.cwd();
}

/** All of stdin as text ('' when there is none). */
export async function readStdin(io: CliIo): Promise<string> {
  if (io.stdin === undefined) return '';
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of io.stdin) {
    text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

export function println(sink: TextSink, line = ''): void {
  sink.write(`${line}\n`);
}
