/**
 * `server -dev | -config=FILE`: starts a Strongroom server in this process and runs until SIGINT
 * or SIGTERM (or `io.shutdown`), then shuts down gracefully.
 *
 * Dev mode is Vault's: in memory, initialized and unsealed, KV v2 at `secret/`, listening on
 * 127.0.0.1:8200 unless `-dev-listen-address` says otherwise. It prints the address, the unseal
 * key and the root token (its requested output) and, as Vault's token helper does, stores the
 * root token in `~/.vault-token` so the next CLI command is already logged in.
 *
 * The server package is loaded only here, so the other commands start without it.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from '../args.ts';
import { envValue, tokenFilePath } from '../context.ts';
import { UsageError } from '../errors.ts';
import { println } from '../io.ts';
import type { CliIo } from '../io.ts';
import type { Command } from './command.ts';

export const serverCommands: Command[] = [
  {
    name: 'server',
    usage: '-dev [-dev-root-token-id=ID] [-dev-listen-address=HOST:PORT] | -config=FILE',
    summary: 'Starts a server.',
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, {
        dev: 'bool',
        'dev-root-token-id': 'string',
        'dev-listen-address': 'string',
        config: 'string',
        'log-level': 'string',
      });
      if (args.length > 0)
        throw new UsageError('server takes no arguments; use -dev or -config=FILE');
      const dev = flags.dev === true;
      if (!dev && flags.config === undefined) {
        throw new UsageError('either -dev or -config=FILE is required');
      }
      if (dev && flags.config !== undefined)
        throw new UsageError('-dev and -config cannot be combined');
      const { loadConfigFile, startServer } = await import('@strongroom/server');
      // Logs are the server's running output; they stream after the banner, as Vault's do.
      const logDestination = {
        write: (line: string): void => {
          io.stdout.write(line);
        },
      };

      let server: Awaited<ReturnType<typeof startServer>>;
      if (dev) {
        const rootTokenId =
          flags['dev-root-token-id'] ??
          envValue(io, 'STRONGROOM_DEV_ROOT_TOKEN_ID', 'VAULT_DEV_ROOT_TOKEN_ID');
        const listenAddress =
          flags['dev-listen-address'] ??
          envValue(io, 'STRONGROOM_DEV_LISTEN_ADDRESS', 'VAULT_DEV_LISTEN_ADDRESS') ??
          '127.0.0.1:8200';
        server = await startServer({
          dev: rootTokenId === undefined ? {} : { rootTokenId },
          listenAddress,
          logDestination,
        });
        printDevBanner(io, server.address, server.unsealKey ?? '', server.rootToken ?? '');
        if (server.rootToken !== undefined) {
          await writeFile(tokenFilePath(io), server.rootToken, { mode: 0o600 }).catch(() => {
            println(io.stderr, `Warning: could not store the root token in ${tokenFilePath(io)}`);
          });
        }
      } else {
        const config = await loadConfigFile(flags.config ?? '');
        server = await startServer({ config, logDestination });
        println(io.stdout, `==> Strongroom server started on ${server.address}`);
      }

      // SIGHUP reopens audit files, so log rotation can move them away (as Vault does).
      const reopen = (): void => {
        void server.core.reopenAudit();
      };
      if (io.shutdown === undefined) process.on('SIGHUP', reopen);
      await waitForShutdown(io);
      process.off('SIGHUP', reopen);
      println(io.stdout, '==> Shutting down');
      await server.close();
      return 0;
    },
  },
];

function printDevBanner(io: CliIo, address: string, unsealKey: string, rootToken: string): void {
  const lines = [
    '==> Strongroom server started in dev mode.',
    '',
    'WARNING: dev mode keeps everything in memory, starts unsealed with a single unseal key,',
    'and logs this CLI in with the root token. Never use it in production.',
    '',
    'Point the CLI (or any Vault client) at this server with:',
    '',
    `    $ export VAULT_ADDR='${address}'`,
    '',
    'The unseal key and root token, should you seal the server or log in elsewhere:',
    '',
    `Unseal Key: ${unsealKey}`,
    `Root Token: ${rootToken}`,
    '',
  ];
  for (const line of lines) println(io.stdout, line);
}

/** Resolves on `io.shutdown`, or on the first SIGINT or SIGTERM of the process. */
function waitForShutdown(io: CliIo): Promise<void> {
  return new Promise((resolve) => {
    const shutdown = io.shutdown;
    if (shutdown !== undefined) {
      if (shutdown.aborted) resolve();
      else
        shutdown.addEventListener(
          'abort',
          () => {
            resolve();
          },
          { once: true },
        );
      return;
    }
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
