/**
 * Password policies (Vault's `sys/policies/password`): parsing a policy document and generating
 * passwords from it. Unrelated to ACL policies beyond the name.
 *
 * A document (HCL or JSON) has a `length` and one or more `rule "charset"` blocks, each with a
 * `charset` and an optional `min-chars`. Candidates are drawn from the de-duplicated union of every
 * rule's charset; each rule then needs at least `min-chars` of its own characters in the result.
 *
 * Contracts:
 * - `parsePasswordPolicy` returns a fully validated policy or throws
 *   `LogicalError('invalid_policy', 400)` with one line naming what is wrong. A valid policy can
 *   always be satisfied (the sum of `min-chars` never exceeds `length`), so generation never
 *   loops or fails.
 * - `generatePassword` draws with an unbiased integer source (`crypto.randomInt` by default; a
 *   test may inject another) and never returns a password that breaks a rule.
 * - Unknown keys and unknown rule types are refused rather than ignored: a misspelt `min-chars`
 *   silently dropped would produce weaker passwords than the author asked for.
 */
import { randomInt } from 'node:crypto';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { LogicalError } from '../../logical/errors.ts';

export const MIN_PASSWORD_LENGTH = 4;
export const MAX_PASSWORD_LENGTH = 100;
/** Largest de-duplicated union of charsets, as Vault. */
export const MAX_CHARSET_SIZE = 256;

export interface CharsetRule {
  /** The rule's characters (code points), de-duplicated, in first-seen order. */
  readonly charset: readonly string[];
  /** At least this many characters of the password come from `charset`; 0 for none. */
  readonly minChars: number;
}

export interface PasswordPolicy {
  /** The document as written (after base64 decoding), returned by reads. */
  readonly raw: string;
  readonly length: number;
  readonly rules: readonly CharsetRule[];
  /** The de-duplicated union of every rule's charset: what candidates are drawn from. */
  readonly charset: readonly string[];
}

/** An unbiased integer in `[0, max)`; `crypto.randomInt` unless a test injects another. */
export type RandomIntSource = (max: number) => number;

function invalid(message: string): LogicalError {
  return new LogicalError('invalid_policy', 400, message);
}

/**
 * Parses and validates a password policy document. Like Vault, the text may be base64-encoded
 * (to avoid escaping quotes in a JSON body); `raw` keeps the decoded text.
 */
export async function parsePasswordPolicy(text: string): Promise<PasswordPolicy> {
  const raw = decodeBase64(text) ?? text;
  if (raw.trim() === '') throw invalid('password policy document is empty');
  const json = raw.trimStart().startsWith('{');
  const document = json ? parseJsonDocument(raw) : await parseHclDocument(raw);
  if (!isObject(document)) throw invalid('password policy must be an object');

  for (const key of Object.keys(document)) {
    if (key !== 'length' && key !== 'rule') {
      throw invalid(`unknown key "${key}" in password policy (expected "length" and "rule")`);
    }
  }
  const length = readInteger(document.length, 'length');
  if (length === undefined) throw invalid('missing "length" in password policy');
  if (length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) {
    throw invalid(
      `"length" must be between ${MIN_PASSWORD_LENGTH} and ${MAX_PASSWORD_LENGTH}, got ${length}`,
    );
  }

  const rules = readRules(document.rule);
  if (rules.length === 0) {
    throw invalid('password policy needs at least one rule "charset" block');
  }
  const required = rules.reduce((sum, rule) => sum + rule.minChars, 0);
  if (required > length) {
    throw invalid(
      `the rules' min-chars add up to ${required}, more than the password length ${length}`,
    );
  }
  const charset = [...new Set(rules.flatMap((rule) => rule.charset))];
  if (charset.length > MAX_CHARSET_SIZE) {
    throw invalid(
      `the combined charset has ${charset.length} characters, more than ${MAX_CHARSET_SIZE}`,
    );
  }
  return { raw, length, rules, charset };
}

/**
 * A password from `policy`: every position drawn uniformly from the union charset; then, rule by
 * rule, positions are claimed for the rule (first ones that already hold its characters, then
 * random unclaimed ones overwritten with its characters) until it has `min-chars`; a claimed
 * position is never touched again, so a later rule cannot undo an earlier one. A Fisher-Yates
 * shuffle finally hides which positions were overwritten.
 */
export function generatePassword(
  policy: PasswordPolicy,
  random: RandomIntSource = randomInt,
): string {
  const pick = (chars: readonly string[]): string => chars[random(chars.length)] ?? '';
  const out = Array.from({ length: policy.length }, () => pick(policy.charset));
  const claimed = new Array<boolean>(policy.length).fill(false);

  for (const rule of policy.rules) {
    if (rule.minChars === 0) continue;
    const members = new Set(rule.charset);
    let have = 0;
    for (let i = 0; i < out.length && have < rule.minChars; i++) {
      if (!claimed[i] && members.has(out[i] ?? '')) {
        claimed[i] = true;
        have++;
      }
    }
    while (have < rule.minChars) {
      // Validation guarantees enough unclaimed positions: sum(min-chars) <= length.
      const free: number[] = [];
      for (let i = 0; i < out.length; i++) if (!claimed[i]) free.push(i);
      const position = free[random(free.length)] ?? 0;
      out[position] = pick(rule.charset);
      claimed[position] = true;
      have++;
    }
  }

  for (let i = out.length - 1; i > 0; i--) {
    const j = random(i + 1);
    const swap = out[i] ?? '';
    out[i] = out[j] ?? '';
    out[j] = swap;
  }
  return out.join('');
}

// ---------------------------------------------------------------------------------------------
// Document shapes

/**
 * Rules arrive as `{ charset: [ {...}, ... ] }` from HCL, and in JSON either that way, with a
 * single object instead of the list, or as a list of `{ charset: {...} }` objects.
 */
function readRules(value: unknown): CharsetRule[] {
  if (value === undefined) return [];
  const groups = Array.isArray(value) ? (value as unknown[]) : [value];
  const rules: CharsetRule[] = [];
  for (const group of groups) {
    if (!isObject(group)) throw invalid('"rule" must be a block such as rule "charset" { ... }');
    for (const [type, bodies] of Object.entries(group)) {
      if (type !== 'charset') {
        throw invalid(`unknown rule type "${type}" (only "charset" is supported)`);
      }
      const list = Array.isArray(bodies) ? (bodies as unknown[]) : [bodies];
      for (const body of list) rules.push(readCharsetRule(body, rules.length + 1));
    }
  }
  return rules;
}

function readCharsetRule(body: unknown, index: number): CharsetRule {
  const where = `rule "charset" #${index}`;
  if (!isObject(body)) throw invalid(`${where} must be a block`);
  for (const key of Object.keys(body)) {
    if (key !== 'charset' && key !== 'min-chars') {
      throw invalid(`unknown key "${key}" in ${where} (expected "charset" and "min-chars")`);
    }
  }
  const text = body.charset;
  if (typeof text !== 'string') throw invalid(`${where} needs a "charset" string`);
  const charset = [...new Set(Array.from(text))];
  if (charset.length === 0) throw invalid(`${where} has an empty charset`);
  const unprintable = charset.find((char) => char !== ' ' && /[\p{C}\p{Z}]/u.test(char));
  if (unprintable !== undefined) {
    const code = unprintable.codePointAt(0) ?? 0;
    throw invalid(
      `${where} has a non-printable character U+${code.toString(16).toUpperCase().padStart(4, '0')}`,
    );
  }
  const minChars = readInteger(body['min-chars'], `min-chars of ${where}`) ?? 0;
  if (minChars < 0) throw invalid(`min-chars of ${where} must not be negative, got ${minChars}`);
  return { charset, minChars };
}

/** An integer, or a string of digits (HCL lets authors quote numbers). */
function readInteger(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^-?\d+$/.test(value.trim())
        ? Number(value)
        : Number.NaN;
  if (!Number.isSafeInteger(number)) throw invalid(`"${what}" must be an integer`);
  return number;
}

// ---------------------------------------------------------------------------------------------
// Syntax

/** The decoded text when `text` is strict base64 of UTF-8, else undefined. */
function decodeBase64(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) {
    return undefined;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(trimmed, 'base64'));
  } catch {
    return undefined;
  }
}

function parseJsonDocument(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw invalid(`failed to parse password policy: invalid JSON: ${oneLine(message)}`);
  }
}

async function parseHclDocument(text: string): Promise<unknown> {
  try {
    return await parseHcl('policy.hcl', text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // hcl2json reports `parse config: [policy.hcl:3,12-13: Summary; Detail]`.
    const match = /policy\.hcl:(\d+),(\d+)(?:-[\d,]+)?: ([^\]]*)/.exec(message);
    if (match === null) throw invalid(`failed to parse password policy: ${oneLine(message)}`);
    const [, line = '?', column = '?', reason = ''] = match;
    throw invalid(
      `failed to parse password policy: line ${line}, column ${column}: ${oneLine(reason)}`,
    );
  }
}

function oneLine(message: string): string {
  return message.replace(/\s+/g, ' ').trim();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
