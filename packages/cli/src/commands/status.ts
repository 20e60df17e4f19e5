/** `status` and `operator init|unseal|seal`. Seal status is unauthenticated, as in Vault. */
import type { SealStatus } from '@strongroom/client';
import { expectArgs, optionalArg, parseArgs } from '../args.ts';
import { CLIENT_FLAGS, clientFrom, formatFrom } from '../context.ts';
import { UsageError } from '../errors.ts';
import { println, readStdin } from '../io.ts';
import type { CliIo } from '../io.ts';
import { formatValue, keyValueTable, printFormatted, printJson } from '../output/index.ts';
import type { Command } from './command.ts';

function sealPairs(status: SealStatus): [string, string][] {
  const pairs: [string, string][] = [
    ['Seal Type', status.type],
    ['Initialized', String(status.initialized)],
    ['Sealed', String(status.sealed)],
    ['Total Shares', String(status.n)],
    ['Threshold', String(status.t)],
  ];
  if (status.sealed) {
    pairs.push(['Unseal Progress', `${status.progress}/${status.t}`]);
    pairs.push(['Unseal Nonce', status.nonce ?? '']);
  }
  pairs.push(['Version', formatValue(status.version ?? 'n/a')]);
  pairs.push(['Storage Type', formatValue(status.storage_type ?? 'n/a')]);
  if (status.cluster_name !== undefined && status.cluster_name !== '')
    pairs.push(['Cluster Name', status.cluster_name]);
  if (status.cluster_id !== undefined && status.cluster_id !== '')
    pairs.push(['Cluster ID', status.cluster_id]);
  pairs.push(['HA Enabled', 'false']);
  return pairs;
}

function printSealStatus(io: CliIo, status: SealStatus, format: 'table' | 'json'): void {
  printFormatted(io.stdout, format, status, () => keyValueTable(sealPairs(status)));
}

export const statusCommands: Command[] = [
  {
    name: 'status',
    usage: '[-address=URL] [-format=table|json]',
    summary: 'Prints the seal status; exits 2 when the server is sealed.',
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, CLIENT_FLAGS);
      expectArgs(args, 0, 'status');
      const format = formatFrom(io, flags);
      const client = await clientFrom(io, flags);
      const status = await client.sys.sealStatus();
      printSealStatus(io, status, format);
      return status.sealed ? 2 : 0;
    },
  },
  {
    name: 'operator init',
    usage: '[-key-shares=5] [-key-threshold=3] [-format=table|json]',
    summary: 'Initializes a new server: prints the unseal keys and the initial root token.',
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, {
        ...CLIENT_FLAGS,
        'key-shares': 'int',
        'key-threshold': 'int',
      });
      expectArgs(args, 0, 'operator init [options]');
      const shares = flags['key-shares'] ?? 5;
      const threshold = flags['key-threshold'] ?? 3;
      if (shares < 1 || threshold < 1 || threshold > shares) {
        throw new UsageError('-key-threshold must be between 1 and -key-shares');
      }
      const format = formatFrom(io, flags);
      const client = await clientFrom(io, flags);
      const result = await client.sys.init({ secretShares: shares, secretThreshold: threshold });
      // The keys and the root token are this command's requested output.
      if (format === 'json') {
        printJson(io.stdout, result);
        return 0;
      }
      const keys = result.keys_base64.length > 0 ? result.keys_base64 : result.keys;
      keys.forEach((key, i) => {
        println(io.stdout, `Unseal Key ${i + 1}: ${key}`);
      });
      println(io.stdout);
      println(io.stdout, `Initial Root Token: ${result.root_token}`);
      println(io.stdout);
      println(
        io.stdout,
        `Initialized with ${shares} key shares; any ${threshold} of them unseal the server after a restart or a seal.`,
      );
      println(io.stdout, 'Store the keys apart from each other: they cannot be recovered.');
      return 0;
    },
  },
  {
    name: 'operator unseal',
    usage: '[-reset] [KEY]   (KEY is read from stdin when omitted)',
    summary: 'Submits one unseal key share.',
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, { ...CLIENT_FLAGS, reset: 'bool' });
      const keyArg = optionalArg(args, 'operator unseal [KEY]');
      const format = formatFrom(io, flags);
      const client = await clientFrom(io, flags);
      let status: SealStatus;
      if (flags.reset === true) {
        status = await client.sys.unseal({ reset: true });
      } else {
        const key = keyArg ?? (await readStdin(io)).split(/\r?\n/)[0]?.trim() ?? '';
        if (key === '')
          throw new UsageError('no unseal key given (pass it as an argument or on stdin)');
        status = await client.sys.unseal(key);
      }
      printSealStatus(io, status, format);
      return 0;
    },
  },
  {
    name: 'operator seal',
    usage: '',
    summary: 'Seals the server (needs a root or sudo token).',
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, CLIENT_FLAGS);
      expectArgs(args, 0, 'operator seal');
      const client = await clientFrom(io, flags);
      await client.sys.seal();
      println(io.stdout, 'Success! The server is sealed.');
      return 0;
    },
  },
];
