/**
 * Test support: a real dev server on port 0 (in-process) and `main` run with captured output and
 * a private environment (its own HOME, so no real ~/.vault-token is read or written).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { startServer } from '@strongroom/server';
import type { RunningServer } from '@strongroom/server';
import { main } from '../src/main.ts';
import type { CliIo } from '../src/io.ts';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TestServer {
  readonly server: RunningServer;
  readonly address: string;
  readonly home: string;
  /** Runs the CLI against this server as `token` (default the root token). */
  cli(argv: readonly string[], options?: CliRunOptions): Promise<CliResult>;
  close(): Promise<void>;
}

export interface CliRunOptions {
  readonly token?: string | null;
  readonly stdin?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly shutdown?: AbortSignal;
  readonly cwd?: string;
}

/** Discards the server's log lines. */
export const logSink = { write: (_line: string): void => undefined };

export class Capture {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

export async function runCli(
  argv: readonly string[],
  io: Partial<CliIo> & { stdinText?: string },
): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(argv, {
    env: {},
    ...io,
    stdout,
    stderr,
    ...(io.stdinText === undefined ? {} : { stdin: Readable.from([io.stdinText]) }),
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

export async function startTestServer(): Promise<TestServer> {
  const server = await startServer({
    dev: { rootTokenId: 'root' },
    listenAddress: '127.0.0.1:0',
    logDestination: logSink,
  });
  const home = await mkdtemp(join(tmpdir(), 'strongroom-cli-'));
  return {
    server,
    address: server.address,
    home,
    cli(argv, options = {}) {
      const token = options.token === undefined ? 'root' : options.token;
      return runCli(argv, {
        env: {
          VAULT_ADDR: server.address,
          ...(token === null ? {} : { VAULT_TOKEN: token }),
          ...options.env,
        },
        homeDir: home,
        inheritStdio: false,
        ...(options.stdin === undefined ? {} : { stdinText: options.stdin }),
        ...(options.shutdown === undefined ? {} : { shutdown: options.shutdown }),
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      });
    },
    async close() {
      await server.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** The lines of a Key/Value table as a map (first column -> rest of the line). */
export function tableRows(output: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of output.split('\n')) {
    const match = /^(\S+(?: \S+)*?)\s{2,}(.*)$/.exec(line);
    if (match !== null) rows.set(match[1]!, match[2]!);
  }
  return rows;
}
