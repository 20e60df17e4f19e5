/**
 * CIDR lists for auth methods (`secret_id_bound_cidrs`, `cidr_list`, `token_bound_cidrs`),
 * checked with `node:net` `BlockList`.
 *
 * Contract: a list is validated when a role or secret ID is written (`parseCidrList` throws a
 * 400 naming the field), so a stored list always compiles. An empty list allows every address.
 * Remote addresses arrive as the socket reports them; an IPv4-mapped IPv6 address
 * (`::ffff:10.0.0.1`) is checked as the IPv4 address it carries.
 */
import { BlockList, isIP } from 'node:net';
import { invalidField } from '../logical/errors.ts';

export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address (a /32 or /128). */
export function parseCidr(text: string): Cidr | undefined {
  const at = text.indexOf('/');
  const address = normaliseAddress(at === -1 ? text.trim() : text.slice(0, at).trim());
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  if (at === -1) return { address, prefix: max, family };
  const prefixText = text.slice(at + 1).trim();
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > max) return undefined;
  return { address, prefix, family };
}

/** Validates every entry of a CIDR list field; returns the entries trimmed. */
export function parseCidrList(field: string, values: readonly string[]): string[] {
  for (const value of values) {
    if (parseCidr(value) === undefined) {
      throw invalidField(field, `"${value}" is not a valid IP address or CIDR block`);
    }
  }
  return values.map((v) => v.trim());
}

function blockListOf(cidrs: readonly Cidr[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  return list;
}

/** Whether `remoteAddress` falls in one of `cidrs` (always true for an empty list). */
export function addressAllowed(remoteAddress: string, cidrs: readonly string[]): boolean {
  if (cidrs.length === 0) return true;
  const address = normaliseAddress(remoteAddress);
  const version = isIP(address);
  if (version === 0) return false;
  const parsed = cidrs.map(parseCidr).filter((c): c is Cidr => c !== undefined);
  return blockListOf(parsed).check(address, version === 4 ? 'ipv4' : 'ipv6');
}

/** Whether every block of `inner` lies inside some block of `outer` (an empty outer allows all). */
export function isCidrSubset(inner: readonly string[], outer: readonly string[]): boolean {
  if (outer.length === 0) return true;
  const outerCidrs = outer.map(parseCidr).filter((c): c is Cidr => c !== undefined);
  return inner.every((text) => {
    const cidr = parseCidr(text);
    if (cidr === undefined) return false;
    return outerCidrs.some(
      (o) =>
        o.family === cidr.family &&
        o.prefix <= cidr.prefix &&
        blockListOf([o]).check(cidr.address, cidr.family),
    );
  });
}

function normaliseAddress(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped?.[1] ?? address;
}
