/**
 * Parsing ACL policy documents (HCL or JSON) into validated path rules.
 *
 * Contract: `parsePolicy` either returns a fully validated `Policy` or throws a
 * `LogicalError('invalid_policy', 400)` whose message is one line naming what is wrong and where
 * (line and column for syntax errors, the path stanza and key otherwise). Nothing downstream
 * re-validates: the ACL compiler trusts these shapes.
 *
 * Accepted (Vault's rules): top-level `path "<pattern>" { ... }` stanzas and an ignored `name`;
 * in a stanza `capabilities`, the deprecated `policy` shorthand, `allowed_parameters`,
 * `denied_parameters`, `required_parameters`, `min_wrapping_ttl`, `max_wrapping_ttl` and a
 * free-text `comment`. Anything else is refused rather than ignored, because silently dropping
 * a key an author wrote (a misspelt `capabilities`, an unsupported `control_group`) would grant
 * something other than what they meant.
 */
import { parse as parseHcl } from '@cdktf/hcl2json';
import { DurationError, parseDuration } from '@strongroom/protocol';
import { LogicalError } from '../../logical/errors.ts';
import { hasTemplate, templateProblem } from './template.ts';

/** Every capability a policy may grant. `subscribe` and `recover` are accepted for Vault parity. */
export type Capability =
  | 'create'
  | 'read'
  | 'update'
  | 'patch'
  | 'delete'
  | 'list'
  | 'sudo'
  | 'deny'
  | 'subscribe'
  | 'recover';

export const CAPABILITIES: readonly Capability[] = [
  'create',
  'read',
  'update',
  'patch',
  'delete',
  'list',
  'sudo',
  'deny',
  'subscribe',
  'recover',
];

/** A value in `allowed_parameters` / `denied_parameters` lists. Strings may be globs (`foo-*`). */
export type ParameterValue = string | number | boolean;

export interface PathRule {
  /** The pattern as written, leading `/` removed; keeps a trailing `*` and any `+` segments. */
  readonly path: string;
  /** Normalised: `['deny']` alone when the stanza denies; otherwise deduplicated, in order. */
  readonly capabilities: readonly Capability[];
  /** Keys lowercased. Undefined when the stanza has none. An empty value list means "any value". */
  readonly allowedParameters?: ReadonlyMap<string, readonly ParameterValue[]>;
  readonly deniedParameters?: ReadonlyMap<string, readonly ParameterValue[]>;
  readonly requiredParameters?: readonly string[];
  /** Response-wrapping bounds in milliseconds; absent (not 0) when unset. */
  readonly minWrappingTtlMs?: number;
  readonly maxWrappingTtlMs?: number;
  /** True when `path` holds `{{identity...}}` templates, rendered per caller by the ACL. */
  readonly templated: boolean;
}

export interface Policy {
  /** Normalised name (trimmed, lowercased). */
  readonly name: string;
  /** The document exactly as submitted; what `sys/policy/<name>` reads back. */
  readonly raw: string;
  readonly paths: readonly PathRule[];
  readonly templated: boolean;
}

const NAME = /^[a-z0-9_.@+-]+$/;
const MAX_NAME_LENGTH = 128;

/**
 * Normalises a policy name as Vault does (trim, lowercase) and checks it can be a storage key
 * and a URL segment: 1-128 characters of `a-z 0-9 _ . @ + -`, and not `.` or `..`.
 */
export function normalizePolicyName(name: string): string {
  const normalized = name.trim().toLowerCase();
  if (normalized === '') {
    throw invalid('policy name is empty');
  }
  if (normalized.length > MAX_NAME_LENGTH) {
    throw invalid(`policy name is longer than ${MAX_NAME_LENGTH} characters`);
  }
  if (!NAME.test(normalized) || normalized === '.' || normalized === '..') {
    throw invalid(
      `policy name ${JSON.stringify(name)} is invalid: use letters, digits and "_ . @ + -" only`,
    );
  }
  return normalized;
}

/** Parses and validates a policy document. JSON when it starts with `{`, HCL otherwise. */
export async function parsePolicy(name: string, text: string): Promise<Policy> {
  const normalized = normalizePolicyName(name);
  if (text.trim() === '') {
    throw invalid('policy document is empty');
  }
  const json = text.trimStart().startsWith('{');
  const document = json ? parseJsonDocument(text) : await parseHclDocument(text);
  const paths = readDocument(document, text, json);
  return {
    name: normalized,
    raw: text,
    paths,
    templated: paths.some((rule) => rule.templated),
  };
}

function invalid(message: string): LogicalError {
  return new LogicalError('invalid_policy', 400, message);
}

// ---------------------------------------------------------------------------------------------
// Syntax

/** A stanza as found in the document, before validation, with where to point errors. */
interface RawStanza {
  readonly pattern: string;
  readonly body: unknown;
  readonly where: string;
}

function parseJsonDocument(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    const offset = position === null ? undefined : Number(position[1]);
    const at = offset === undefined ? '' : ` at ${lineColumn(text, offset)}`;
    const reason = oneLine(message.replace(/\s*(?:in JSON )?at position \d+.*$/s, ''));
    throw invalid(`failed to parse policy: invalid JSON${at}: ${reason}`);
  }
}

async function parseHclDocument(text: string): Promise<unknown> {
  try {
    return await parseHcl('policy.hcl', text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // hcl2json reports `parse config: [policy.hcl:3,12-13: Summary; Detail]`.
    const match = /policy\.hcl:(\d+),(\d+)(?:-[\d,]+)?: ([^\]]*)/.exec(message);
    if (match === null) {
      throw invalid(`failed to parse policy: ${oneLine(message)}`);
    }
    const [, line = '?', column = '?', reason = ''] = match;
    // HCL1 let parameter maps be written as blocks; HCL2 needs an `=` and an object.
    const hint = reason.includes('must not be quoted')
      ? ' (write parameter maps as allowed_parameters = { "name" = [] })'
      : '';
    throw invalid(
      `failed to parse policy: line ${line}, column ${column}: ${oneLine(reason)}${hint}`,
    );
  }
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

function oneLine(message: string): string {
  return message.replace(/\s+/g, ' ').trim();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Finds the line of the `n`th (0-based) stanza label for `pattern`, for error messages. */
function locate(text: string, pattern: string, n: number): string {
  const needle = JSON.stringify(pattern);
  let index = -1;
  for (let i = 0; i <= n; i++) {
    index = text.indexOf(needle, index + 1);
    if (index < 0) return `path ${needle}`;
  }
  return `path ${needle} (line ${text.slice(0, index).split('\n').length})`;
}

/**
 * Flattens the document into stanzas. Both parsers give `{ path: { "<pattern>": body } }`;
 * HCL gives each body as a list of blocks (one per `path` block with that label), and JSON
 * may give either one object or a list. JSON may also give `path` as a list of such maps.
 */
function readDocument(document: unknown, text: string, json: boolean): PathRule[] {
  if (!isObject(document)) {
    throw invalid('failed to parse policy: the document must be an object of "path" stanzas');
  }
  const stanzas: RawStanza[] = [];
  const seen = new Map<string, number>();
  const add = (pattern: string, body: unknown): void => {
    const n = seen.get(pattern) ?? 0;
    seen.set(pattern, n + 1);
    stanzas.push({ pattern, body, where: locate(text, pattern, n) });
  };
  for (const [key, value] of Object.entries(document)) {
    if (key === 'name') {
      if (typeof value !== 'string')
        throw invalid('failed to parse policy: "name" must be a string');
      continue; // Vault ignores it: the name comes from the URL.
    }
    if (key !== 'path') {
      throw invalid(`failed to parse policy: unknown top-level key "${key}" (expected "path")`);
    }
    const maps = json && Array.isArray(value) ? value : [value];
    for (const map of maps) {
      if (!isObject(map)) {
        throw invalid(
          'failed to parse policy: write each stanza as path "<pattern>" { capabilities = [...] }',
        );
      }
      for (const [pattern, body] of Object.entries(map)) {
        if (!json && !Array.isArray(body)) {
          // HCL gives a nested object for `path "a" "b" { }`: one label too many.
          throw invalid(`${locate(text, pattern, 0)}: a path block takes exactly one label`);
        }
        if (Array.isArray(body)) {
          if (body.length === 0) add(pattern, {});
          for (const block of body) add(pattern, block);
        } else {
          add(pattern, body);
        }
      }
    }
  }
  return stanzas.map(readStanza);
}

// ---------------------------------------------------------------------------------------------
// Stanzas

const STANZA_KEYS = new Set([
  'comment',
  'policy',
  'capabilities',
  'allowed_parameters',
  'denied_parameters',
  'required_parameters',
  'min_wrapping_ttl',
  'max_wrapping_ttl',
]);

const SHORTHANDS: Readonly<Record<string, readonly Capability[]>> = {
  deny: ['deny'],
  read: ['read', 'list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
};

const CAPABILITY_SET = new Set<string>(CAPABILITIES);

function readStanza(stanza: RawStanza): PathRule {
  const { where } = stanza;
  const fail = (message: string): LogicalError => invalid(`${where}: ${message}`);
  if (!isObject(stanza.body)) {
    // `path "a" "b" { }` (two labels) parses to a nested object keyed by the second label.
    throw fail('expected a block: path "<pattern>" { capabilities = [...] }');
  }
  const body = stanza.body;
  for (const key of Object.keys(body)) {
    if (!STANZA_KEYS.has(key)) {
      throw fail(`unknown key "${key}" (allowed: ${[...STANZA_KEYS].join(', ')})`);
    }
  }

  const path = checkPattern(stanza.pattern, fail);

  const capabilities: Capability[] = [];
  if (body['capabilities'] !== undefined) {
    for (const item of stringList(body['capabilities'], 'capabilities', fail)) {
      if (!CAPABILITY_SET.has(item)) {
        throw fail(`invalid capability "${item}" (valid: ${CAPABILITIES.join(', ')})`);
      }
      capabilities.push(item as Capability);
    }
  }
  if (body['policy'] !== undefined) {
    const shorthand = scalarString(body['policy'], 'policy', fail);
    const mapped = Object.hasOwn(SHORTHANDS, shorthand) ? SHORTHANDS[shorthand] : undefined;
    if (mapped === undefined) {
      throw fail(`invalid policy "${shorthand}" (valid: deny, read, write, sudo)`);
    }
    capabilities.push(...mapped);
  }
  if (body['comment'] !== undefined) scalarString(body['comment'], 'comment', fail);

  const rule: {
    -readonly [K in keyof PathRule]: PathRule[K];
  } = {
    path,
    // A stanza that denies denies only: nothing else it lists is kept (Vault drops the rest).
    capabilities: capabilities.includes('deny') ? ['deny'] : [...new Set(capabilities)],
    templated: hasTemplate(path),
  };

  if (body['allowed_parameters'] !== undefined) {
    rule.allowedParameters = parameterMap(body['allowed_parameters'], 'allowed_parameters', fail);
  }
  if (body['denied_parameters'] !== undefined) {
    rule.deniedParameters = parameterMap(body['denied_parameters'], 'denied_parameters', fail);
  }
  if (body['required_parameters'] !== undefined) {
    const required = stringList(body['required_parameters'], 'required_parameters', fail);
    if (required.length > 0) rule.requiredParameters = required;
  }
  const min = wrappingTtl(body['min_wrapping_ttl'], 'min_wrapping_ttl', fail);
  const max = wrappingTtl(body['max_wrapping_ttl'], 'max_wrapping_ttl', fail);
  if (min !== undefined && min > 0) rule.minWrappingTtlMs = min;
  if (max !== undefined && max > 0) rule.maxWrappingTtlMs = max;
  if (min !== undefined && max !== undefined && min > 0 && max > 0 && max < min) {
    throw fail('max_wrapping_ttl cannot be less than min_wrapping_ttl');
  }
  return rule;
}

/**
 * Validates a path pattern. Vault forbids `+*` (a wildcard segment glued to a glob); we also
 * refuse a `*` anywhere but the end, since Vault would silently treat it as a literal character
 * and the author almost certainly meant a glob.
 */
function checkPattern(pattern: string, fail: (message: string) => LogicalError): string {
  const path = pattern.startsWith('/') ? pattern.slice(1) : pattern;
  if (path.includes('+*')) {
    throw fail(`invalid use of wildcards: "+*" is not allowed (use "+/*" or "+")`);
  }
  const star = path.indexOf('*');
  if (star >= 0 && star !== path.length - 1) {
    throw fail('"*" is only allowed as the last character of a path (it is a prefix glob)');
  }
  if (hasTemplate(path)) {
    const problem = templateProblem(path);
    if (problem !== undefined) throw fail(problem);
  }
  return path;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * hcl2json renders an unquoted expression (`capabilities = [read]`) as the string `${read}`;
 * HCL policies only contain literals, so such a string means the author forgot the quotes.
 */
function isExpression(value: string): boolean {
  return value.startsWith('${') && value.endsWith('}');
}

function scalarString(
  value: unknown,
  key: string,
  fail: (message: string) => LogicalError,
): string {
  if (typeof value !== 'string' || isExpression(value)) {
    throw fail(`"${key}" must be a quoted string, got ${describe(value)}`);
  }
  return value;
}

function stringList(
  value: unknown,
  key: string,
  fail: (message: string) => LogicalError,
): string[] {
  if (!Array.isArray(value)) {
    throw fail(`"${key}" must be a list of strings, got ${describe(value)}`);
  }
  return value.map((item: unknown) => {
    if (typeof item !== 'string' || isExpression(item)) {
      throw fail(`"${key}" must be a list of quoted strings, found ${describe(item)}`);
    }
    return item;
  });
}

function parameterMap(
  value: unknown,
  key: string,
  fail: (message: string) => LogicalError,
): Map<string, ParameterValue[]> {
  const source = Array.isArray(value) && value.length === 1 ? (value[0] as unknown) : value;
  if (!isObject(source)) {
    throw fail(`"${key}" must be an object of parameter = [values], got ${describe(value)}`);
  }
  const out = new Map<string, ParameterValue[]>();
  for (const [parameter, values] of Object.entries(source)) {
    if (!Array.isArray(values)) {
      throw fail(
        `"${key}.${parameter}" must be a list of values ([] for any), got ${describe(values)}`,
      );
    }
    const list = values.map((item: unknown): ParameterValue => {
      if (typeof item === 'string') {
        if (isExpression(item))
          throw fail(`"${key}.${parameter}" values must be quoted, found ${item}`);
        return item;
      }
      if (typeof item === 'number' || typeof item === 'boolean') return item;
      throw fail(
        `"${key}.${parameter}" values must be strings, numbers or booleans, found ${describe(item)}`,
      );
    });
    if (parameter === '*' && list.length > 0) {
      throw fail(`"${key}.*" only accepts an empty list`);
    }
    // Vault matches parameter names case-insensitively on the policy side.
    const lower = parameter.toLowerCase();
    out.set(lower, [...(out.get(lower) ?? []), ...list]);
  }
  return out;
}

function wrappingTtl(
  value: unknown,
  key: string,
  fail: (message: string) => LogicalError,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && isExpression(value)) {
    throw fail(`"${key}" must be a duration such as "90s" or a number of seconds, found ${value}`);
  }
  try {
    return parseDuration(value);
  } catch (error) {
    if (error instanceof DurationError) throw fail(`"${key}": ${error.message}`);
    throw error;
  }
}
