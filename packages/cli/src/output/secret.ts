/**
 * Printing an API response as Vault's CLI does: `-format=json` prints the whole response;
 * the table shows the lease (if any), the token (for auth responses), then the data fields in
 * key order; `-field=NAME` prints one value bare.
 */
import type { VaultAuth, VaultResponse } from '@strongroom/protocol';
import { CommandError } from '../errors.ts';
import { println } from '../io.ts';
import type { TextSink } from '../io.ts';
import { keyValueTable } from './table.ts';
import { formatValue, humanDuration, quotedList, rawField } from './values.ts';

export type OutputFormat = 'table' | 'json';

export function printJson(sink: TextSink, value: unknown): void {
  println(sink, JSON.stringify(value, null, 2));
}

/** The rows for a token's `auth` block, named as Vault names them. */
export function authPairs(auth: VaultAuth): [string, string][] {
  const pairs: [string, string][] = [
    ['token', auth.client_token],
    ['token_accessor', auth.accessor],
    ['token_duration', humanDuration(auth.lease_duration)],
    ['token_renewable', String(auth.renewable)],
    ['token_policies', quotedList(auth.token_policies)],
    ['identity_policies', quotedList(auth.identity_policies ?? [])],
    ['policies', quotedList(auth.policies)],
  ];
  for (const [key, value] of Object.entries(auth.metadata ?? {}).sort(byKey)) {
    pairs.push([`token_meta_${key}`, value]);
  }
  return pairs;
}

/** The table rows of a response: lease, auth, then data. */
export function responsePairs(response: VaultResponse): [string, string][] {
  const pairs: [string, string][] = [];
  if (response.lease_id !== '') {
    pairs.push(['lease_id', response.lease_id]);
    pairs.push(['lease_duration', humanDuration(response.lease_duration)]);
    pairs.push(['lease_renewable', String(response.renewable)]);
  } else if (response.lease_duration > 0) {
    pairs.push(['refresh_interval', humanDuration(response.lease_duration)]);
  }
  if (response.auth !== null) pairs.push(...authPairs(response.auth));
  for (const [key, value] of Object.entries(response.data ?? {}).sort(byKey)) {
    pairs.push([key, formatValue(value)]);
  }
  return pairs;
}

/**
 * The value `-field=NAME` selects: a data field, or a token/lease field of the response. Throws
 * exit 1 when there is no such field.
 */
export function selectField(response: VaultResponse, field: string, data = response.data): string {
  if (data !== null && Object.hasOwn(data, field)) return rawField(data[field]);
  const auth = response.auth;
  if (auth !== null) {
    const byName: Record<string, unknown> = {
      token: auth.client_token,
      token_accessor: auth.accessor,
      token_duration: auth.lease_duration,
      token_renewable: auth.renewable,
      token_policies: auth.token_policies,
      identity_policies: auth.identity_policies ?? [],
      policies: auth.policies,
    };
    if (Object.hasOwn(byName, field)) return rawField(byName[field]);
  }
  const lease: Record<string, unknown> = {
    lease_id: response.lease_id,
    lease_duration: response.lease_duration,
    lease_renewable: response.renewable,
  };
  if (response.lease_id !== '' && Object.hasOwn(lease, field)) return rawField(lease[field]);
  throw new CommandError(`field "${field}" not present in secret`);
}

/** Prints `-field` output: bare, with a newline only on a terminal (scripts get the exact value). */
export function printField(sink: TextSink, value: string): void {
  sink.write(sink.isTTY === true ? `${value}\n` : value);
}

export interface PrintOptions {
  readonly format: OutputFormat;
  readonly field?: string | undefined;
}

/** Prints a response in the chosen format. */
export function printResponse(
  sink: TextSink,
  response: VaultResponse,
  options: PrintOptions,
): void {
  if (options.field !== undefined && options.field !== '') {
    printField(sink, selectField(response, options.field));
    return;
  }
  if (options.format === 'json') {
    printJson(sink, response);
    return;
  }
  for (const line of keyValueTable(responsePairs(response))) println(sink, line);
}

/**
 * Prints `value` as JSON for `-format=json`; otherwise the lines `table` renders from it (only
 * then are they rendered).
 */
export function printFormatted(
  sink: TextSink,
  format: OutputFormat,
  value: unknown,
  table: () => readonly string[],
): void {
  if (format === 'json') printJson(sink, value);
  else printLines(sink, table());
}

/** Prints lines of a table. */
export function printLines(sink: TextSink, lines: readonly string[]): void {
  for (const line of lines) println(sink, line);
}

export function byKey([a]: readonly [string, unknown], [b]: readonly [string, unknown]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
