/**
 * `token create|lookup|renew|revoke`. Tokens given as arguments travel in request bodies; a
 * token is printed only as the requested output of `create`, `renew` and `lookup`.
 */
import type { TokenCreateInput, VaultClient } from '@strongroom/client';
import type { VaultResponse } from '@strongroom/protocol';
import { keyValuePairs, optionalArg, parseArgs, splitList } from '../args.ts';
import { CLIENT_FLAGS, PRINT_FLAGS, clientFrom, formatFrom } from '../context.ts';
import { UsageError } from '../errors.ts';
import { println } from '../io.ts';
import { printResponse } from '../output/index.ts';
import type { Command } from './command.ts';

/** The three forms of `token lookup` and `token renew`. */
interface TargetCalls {
  readonly accessor: (accessor: string) => Promise<VaultResponse>;
  readonly token: (token: string) => Promise<VaultResponse>;
  readonly self: () => Promise<VaultResponse>;
}

/**
 * Calls the form that `-accessor` and the optional argument select: by accessor (the argument is
 * then required), on the given token, or on the current token when there is no argument.
 */
async function onTarget(
  target: string | undefined,
  byAccessor: boolean,
  calls: TargetCalls,
): Promise<VaultResponse> {
  if (byAccessor) {
    if (target === undefined) throw new UsageError('-accessor needs an accessor argument');
    return calls.accessor(target);
  }
  return target === undefined ? calls.self() : calls.token(target);
}

export const tokenCommands: Command[] = [
  {
    name: 'token create',
    usage:
      '[-policy=NAME]... [-ttl=D] [-explicit-max-ttl=D] [-period=D] [-orphan] [-display-name=S] [-use-limit=N] [-metadata=K=V]... [-role=R] [-no-default-policy] [-renewable=BOOL] [-type=service|batch] [-id=ID] [-field=token]',
    summary: 'Creates a child token (or an orphan) of the current token.',
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, {
        ...PRINT_FLAGS,
        policy: 'list',
        ttl: 'string',
        'explicit-max-ttl': 'string',
        period: 'string',
        orphan: 'bool',
        'display-name': 'string',
        'use-limit': 'int',
        metadata: 'list',
        role: 'string',
        'no-default-policy': 'bool',
        renewable: 'bool',
        type: 'string',
        id: 'string',
      });
      if (args.length > 0) throw new UsageError('token create takes no arguments; use flags');
      if (flags.type !== undefined && flags.type !== 'service' && flags.type !== 'batch') {
        throw new UsageError('-type must be service or batch');
      }
      const format = formatFrom(io, flags);
      const policies = splitList(flags.policy);
      const input: TokenCreateInput = {
        ...(policies.length === 0 ? {} : { policies }),
        ...(flags.ttl === undefined ? {} : { ttl: flags.ttl }),
        ...(flags['explicit-max-ttl'] === undefined
          ? {}
          : { explicitMaxTtl: flags['explicit-max-ttl'] }),
        ...(flags.period === undefined ? {} : { period: flags.period }),
        ...(flags.orphan === undefined ? {} : { orphan: flags.orphan }),
        ...(flags['display-name'] === undefined ? {} : { displayName: flags['display-name'] }),
        ...(flags['use-limit'] === undefined ? {} : { numUses: flags['use-limit'] }),
        ...(flags.metadata === undefined
          ? {}
          : { meta: keyValuePairs(flags.metadata, 'metadata') }),
        ...(flags.role === undefined ? {} : { role: flags.role }),
        ...(flags['no-default-policy'] === undefined
          ? {}
          : { noDefaultPolicy: flags['no-default-policy'] }),
        ...(flags.renewable === undefined ? {} : { renewable: flags.renewable }),
        ...(flags.type === 'service' || flags.type === 'batch' ? { type: flags.type } : {}),
        ...(flags.id === undefined ? {} : { id: flags.id }),
      };
      const client = await clientFrom(io, flags);
      const response = await client.token.create(input);
      printResponse(io.stdout, response, { format, field: flags.field });
      return 0;
    },
  },
  {
    name: 'token lookup',
    usage: '[-accessor] [TOKEN|ACCESSOR]   (without an argument: the current token)',
    summary: "Shows a token's properties.",
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, { ...PRINT_FLAGS, accessor: 'bool' });
      const target = optionalArg(args, 'token lookup [TOKEN]');
      const format = formatFrom(io, flags);
      const client = await clientFrom(io, flags);
      const response = await onTarget(target, flags.accessor === true, {
        accessor: (accessor) => client.token.lookupAccessor(accessor),
        token: (token) => client.token.lookup(token),
        self: () => client.token.lookupSelf(),
      });
      printResponse(io.stdout, response, { format, field: flags.field });
      return 0;
    },
  },
  {
    name: 'token renew',
    usage: '[-increment=D] [-accessor] [TOKEN|ACCESSOR]   (without an argument: the current token)',
    summary: "Extends a token's TTL.",
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, {
        ...PRINT_FLAGS,
        increment: 'string',
        i: 'string',
        accessor: 'bool',
      });
      const target = optionalArg(args, 'token renew [TOKEN]');
      const format = formatFrom(io, flags);
      const client = await clientFrom(io, flags);
      const increment = flags.increment ?? flags.i;
      const response = await onTarget(target, flags.accessor === true, {
        accessor: (accessor) => client.token.renewAccessor(accessor, increment),
        token: (token) => client.token.renew(token, increment),
        self: () => client.token.renewSelf(increment),
      });
      printResponse(io.stdout, response, { format, field: flags.field });
      return 0;
    },
  },
  {
    name: 'token revoke',
    usage: '[-self] [-accessor] [-mode=orphan] [TOKEN|ACCESSOR]',
    summary: 'Revokes a token and its children (or, with -mode=orphan, only the token).',
    async run(argv, io) {
      const { flags, args } = parseArgs(argv, {
        ...CLIENT_FLAGS,
        self: 'bool',
        accessor: 'bool',
        mode: 'string',
      });
      const target = optionalArg(args, 'token revoke [TOKEN]');
      if (flags.self === true && target !== undefined) {
        throw new UsageError('-self takes no token argument');
      }
      if (flags.self !== true && target === undefined) {
        throw new UsageError('a token argument or -self is required');
      }
      if (flags.mode !== undefined && flags.mode !== 'orphan' && flags.mode !== '') {
        throw new UsageError('-mode must be orphan (or omitted)');
      }
      const client = await clientFrom(io, flags);
      await revoke(client, target, flags.accessor === true, flags.mode === 'orphan');
      println(io.stdout, 'Success! Revoked token (if it existed)');
      return 0;
    },
  },
];

async function revoke(
  client: VaultClient,
  target: string | undefined,
  accessor: boolean,
  orphan: boolean,
): Promise<void> {
  if (target === undefined) return client.token.revokeSelf();
  if (accessor) {
    if (orphan) throw new UsageError('-mode=orphan cannot be combined with -accessor');
    return client.token.revokeAccessor(target);
  }
  return orphan ? client.token.revokeOrphan(target) : client.token.revoke(target);
}
