/**
 * Where a command finds its server, token and output format, in Vault's order of precedence:
 * address from `-address`, `STRONGROOM_ADDR`, `VAULT_ADDR`, then `http://127.0.0.1:8200`;
 * token from `STRONGROOM_TOKEN`, `VAULT_TOKEN`, then `~/.vault-token` (as Vault's default token
 * helper stores it); format from `-format`, `STRONGROOM_FORMAT`, `VAULT_FORMAT`, then `table`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VaultClient } from '@strongroom/client';
import { UsageError } from './errors.ts';
import { homeDirOf } from './io.ts';
import type { CliIo } from './io.ts';
import type { OutputFormat } from './output/index.ts';

export const DEFAULT_ADDRESS = 'http://127.0.0.1:8200';

/** Flags every command that talks to a server accepts. */
export const CLIENT_FLAGS = { address: 'string', namespace: 'string', format: 'string' } as const;

/** The client flags plus `-field`, for commands that print an API response. */
export const PRINT_FLAGS = { ...CLIENT_FLAGS, field: 'string' } as const;

export function envValue(io: CliIo, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = io.env[name];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

export function addressFrom(io: CliIo, flags: { readonly address?: string }): string {
  return flags.address ?? envValue(io, 'STRONGROOM_ADDR', 'VAULT_ADDR') ?? DEFAULT_ADDRESS;
}

export function tokenFilePath(io: CliIo): string {
  return join(homeDirOf(io), '.vault-token');
}

export async function tokenFrom(io: CliIo): Promise<string | undefined> {
  const fromEnv = envValue(io, 'STRONGROOM_TOKEN', 'VAULT_TOKEN');
  if (fromEnv !== undefined) return fromEnv;
  try {
    const text = (await readFile(tokenFilePath(io), 'utf8')).trim();
    return text === '' ? undefined : text;
  } catch {
    // No token file is the ordinary state before a login.
    return undefined;
  }
}

export async function clientFrom(
  io: CliIo,
  flags: { readonly address?: string; readonly namespace?: string },
): Promise<VaultClient> {
  const address = addressFrom(io, flags);
  // The address is not echoed: it could carry credentials (`https://user:pass@host`).
  if (!/^https?:\/\/[^/@]+(\/|$)/i.test(address)) {
    throw new UsageError(
      'invalid address: expected http://host:port or https://host:port, with no credentials in it',
    );
  }
  const token = await tokenFrom(io);
  const namespace = flags.namespace ?? envValue(io, 'STRONGROOM_NAMESPACE', 'VAULT_NAMESPACE');
  return new VaultClient({
    address,
    ...(token === undefined ? {} : { token }),
    ...(namespace === undefined ? {} : { namespace }),
    ...(io.fetch === undefined ? {} : { fetch: io.fetch }),
  });
}

export function formatFrom(io: CliIo, flags: { readonly format?: string }): OutputFormat {
  const format = (
    flags.format ??
    envValue(io, 'STRONGROOM_FORMAT', 'VAULT_FORMAT') ??
    'table'
  ).toLowerCase();
  if (format === 'table' || format === 'json') return format;
  throw new UsageError(`invalid output format "${format}": use table or json`);
}
