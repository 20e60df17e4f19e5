/**
 * Vault-style argument parsing: `-flag=value`, `-flag value`, `--flag value`, bare `-flag` for
 * booleans, repeatable list flags (`-policy=a -policy=b`), a lone `-` as a positional (stdin),
 * and `--` ending the flags. Flags may come before or after positionals, except where a command
 * asks to stop at the first positional (`run`, whose command line belongs to the child).
 */
import { UsageError } from './errors.ts';

export type FlagKind = 'string' | 'bool' | 'int' | 'list';
export type FlagSpec = Readonly<Record<string, FlagKind>>;

type ValueOf<K extends FlagKind> = K extends 'bool'
  ? boolean
  : K extends 'int'
    ? number
    : K extends 'list'
      ? string[]
      : string;

export type FlagValues<S extends FlagSpec> = { -readonly [N in keyof S]?: ValueOf<S[N]> };

export interface ParsedArgs<S extends FlagSpec> {
  readonly flags: FlagValues<S>;
  readonly args: string[];
  /** What followed `--` (or, with `stopAtPositional`, the first positional and the rest). */
  readonly rest: string[] | undefined;
  /** `-h`, `-help` or `--help` was given. */
  readonly help: boolean;
}

export function parseArgs<S extends FlagSpec>(
  argv: readonly string[],
  spec: S,
  options: { readonly stopAtPositional?: boolean } = {},
): ParsedArgs<S> {
  const flags: Record<string, unknown> = {};
  const args: string[] = [];
  let rest: string[] | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (token === '--') {
      rest = argv.slice(i + 1);
      break;
    }
    if (token === '-' || !token.startsWith('-')) {
      if (options.stopAtPositional === true) {
        rest = argv.slice(i);
        break;
      }
      args.push(token);
      continue;
    }
    const body = token.startsWith('--') ? token.slice(2) : token.slice(1);
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const inline = eq === -1 ? undefined : body.slice(eq + 1);
    if (name === 'h' || name === 'help') {
      help = true;
      continue;
    }
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (kind === undefined) throw new UsageError(`flag provided but not defined: -${name}`);
    if (kind === 'bool') {
      flags[name] = parseBool(name, inline);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`flag needs an argument: -${name}`);
      value = next;
      i++;
    }
    if (kind === 'int') {
      if (!/^-?\d+$/.test(value)) {
        throw new UsageError(`invalid value for -${name}: expected an integer`);
      }
      flags[name] = Number(value);
    } else if (kind === 'list') {
      const list = (flags[name] as string[] | undefined) ?? [];
      list.push(value);
      flags[name] = list;
    } else {
      flags[name] = value;
    }
  }
  return { flags: flags as FlagValues<S>, args, rest, help };
}

function parseBool(name: string, value: string | undefined): boolean {
  if (value === undefined) return true;
  const lower = value.toLowerCase();
  if (['true', '1', 't', 'yes'].includes(lower)) return true;
  if (['false', '0', 'f', 'no'].includes(lower)) return false;
  throw new UsageError(`invalid boolean value for -${name}: expected true or false`);
}

/** Exactly `count` positionals, or a usage error naming what was expected. */
export function expectArgs(args: readonly string[], count: number, usage: string): string[] {
  if (args.length !== count) {
    throw new UsageError(
      `${args.length < count ? 'not enough' : 'too many'} arguments (expected ${count}, got ${args.length}); usage: ${usage}`,
    );
  }
  return [...args];
}

/** At most one positional (`undefined` when there is none), or a usage error. */
export function optionalArg(args: readonly string[], usage: string): string | undefined {
  if (args.length > 1) throw new UsageError(`too many arguments; usage: ${usage}`);
  return args[0];
}

/** Comma-separated or repeated list values, flattened (`-versions=1,2 -versions=3`). */
export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** `k=v` pairs (for `-metadata`, `-options`); the value is never echoed in an error. */
export function keyValuePairs(
  values: readonly string[] | undefined,
  flag: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of values ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid -${flag} value: expected key=value`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}
