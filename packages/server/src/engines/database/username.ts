/**
 * Usernames for dynamic credentials, from Vault's username templates.
 *
 * A template is a small subset of Go's text/template as Vault's `sdk/helper/template` uses it:
 * text with `{{ ... }}` actions; an action is a pipeline of commands separated by `|`, where
 * the value on the left becomes the last argument of the command on the right. Operands are
 * `.DisplayName`, `.RoleName`, string and integer literals, parenthesised pipelines and function
 * calls. Functions: `random`, `truncate`, `truncate_sha256`, `uppercase`, `lowercase`,
 * `replace`, `sha256`, `base64`, `unix_time`, `unix_time_millis`, `timestamp`, `uuid`, `printf`.
 *
 * The display name and role name are sanitised to `[A-Za-z0-9_-]` before rendering: they end up
 * inside SQL statements, and a token's display name is not the operator's to choose.
 */
import { createHash, randomInt, randomUUID } from 'node:crypto';

/** PostgreSQL: `v-<display 8>-<role 8>-<random 20>-<unix time>`, at most 63 characters. */
export const POSTGRES_USERNAME_TEMPLATE =
  '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 63 }}';

/** MySQL 5.7+ / MariaDB: `v-<display 10>-<role 10>-<random 20>-<unix time>`, cut at 32. */
export const MYSQL_USERNAME_TEMPLATE =
  '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 10) (.RoleName | truncate 10) (random 20) (unix_time) | truncate 32 }}';

/** Legacy MySQL, RDS and Aurora (16-character usernames): `v-<role 4>-<random>`, cut at 16. */
export const MYSQL_LEGACY_USERNAME_TEMPLATE =
  '{{ printf "v-%s-%s" (.RoleName | truncate 4) (random 20) | truncate 16 }}';

export interface UsernameInput {
  readonly displayName: string;
  readonly roleName: string;
  /** Epoch milliseconds (the engine passes its clock's `now`). */
  readonly nowMs: number;
}

export class UsernameTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsernameTemplateError';
  }
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Keeps `[A-Za-z0-9_-]`; anything else becomes `-`. */
export function sanitizeNamePart(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '-');
}

/** Renders `template` for one credential. Throws `UsernameTemplateError` for a bad template. */
export function generateUsername(template: string, input: UsernameInput): string {
  const program = parseTemplate(template);
  const fields: Record<string, string> = {
    DisplayName: sanitizeNamePart(input.displayName),
    RoleName: sanitizeNamePart(input.roleName),
  };
  return program
    .map((part) => (typeof part === 'string' ? part : toText(evalPipeline(part, fields, input))))
    .join('');
}

/** Checks that a template parses and renders (config writes call it, as Vault does). */
export function validateUsernameTemplate(template: string): void {
  generateUsername(template, { displayName: 'display', roleName: 'role', nowMs: 0 });
}

// ---------------------------------------------------------------- parsing

type Operand =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'ident'; readonly name: string }
  | { readonly kind: 'pipeline'; readonly pipeline: Pipeline };

type Command = readonly Operand[];
type Pipeline = readonly Command[];

function parseTemplate(template: string): (string | Pipeline)[] {
  const parts: (string | Pipeline)[] = [];
  let rest = template;
  while (rest !== '') {
    const open = rest.indexOf('{{');
    if (open === -1) {
      parts.push(rest);
      break;
    }
    let text = rest.slice(0, open);
    let body = rest.slice(open + 2);
    const close = body.indexOf('}}');
    if (close === -1) throw new UsernameTemplateError('unclosed action in username template');
    let action = body.slice(0, close);
    body = body.slice(close + 2);
    // `{{-` and `-}}` trim the whitespace next to the action, as in Go.
    if (action.startsWith('- ')) {
      text = text.trimEnd();
      action = action.slice(1);
    }
    if (action.endsWith(' -')) {
      body = body.trimStart();
      action = action.slice(0, -1);
    }
    if (text !== '') parts.push(text);
    const tokens = tokenize(action);
    const [pipeline, used] = parsePipeline(tokens, 0);
    if (used !== tokens.length)
      throw new UsernameTemplateError('unexpected ")" in username template');
    parts.push(pipeline);
    rest = body;
  }
  return parts;
}

type Token =
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'num'; readonly v: number }
  | { readonly t: 'field'; readonly v: string }
  | { readonly t: 'ident'; readonly v: string }
  | { readonly t: '(' }
  | { readonly t: ')' }
  | { readonly t: '|' };

function tokenize(action: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < action.length) {
    const ch = action[i] ?? '';
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(' || ch === ')' || ch === '|') {
      tokens.push({ t: ch });
      i++;
    } else if (ch === '"') {
      let value = '';
      i++;
      while (i < action.length && action[i] !== '"') {
        if (action[i] === '\\' && i + 1 < action.length) {
          const esc = action[i + 1] ?? '';
          value += esc === 'n' ? '\n' : esc === 't' ? '\t' : esc;
          i += 2;
        } else {
          value += action[i] ?? '';
          i++;
        }
      }
      if (i >= action.length)
        throw new UsernameTemplateError('unterminated string in username template');
      i++;
      tokens.push({ t: 'str', v: value });
    } else if (ch === '`') {
      const end = action.indexOf('`', i + 1);
      if (end === -1) throw new UsernameTemplateError('unterminated string in username template');
      tokens.push({ t: 'str', v: action.slice(i + 1, end) });
      i = end + 1;
    } else {
      const word = /^[^\s()|]+/.exec(action.slice(i))?.[0] ?? '';
      i += word.length;
      if (/^-?\d+$/.test(word)) tokens.push({ t: 'num', v: Number(word) });
      else if (/^\.[A-Za-z_][A-Za-z0-9_]*$/.test(word))
        tokens.push({ t: 'field', v: word.slice(1) });
      else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(word)) tokens.push({ t: 'ident', v: word });
      else throw new UsernameTemplateError(`unexpected "${word}" in username template`);
    }
  }
  return tokens;
}

function parsePipeline(tokens: readonly Token[], start: number): [Pipeline, number] {
  const commands: Command[] = [];
  let operands: Operand[] = [];
  let i = start;
  for (; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === undefined) break;
    if (token.t === ')') break;
    if (token.t === '|') {
      if (operands.length === 0)
        throw new UsernameTemplateError('empty command in username template');
      commands.push(operands);
      operands = [];
    } else if (token.t === '(') {
      const [inner, end] = parsePipeline(tokens, i + 1);
      if (tokens[end]?.t !== ')')
        throw new UsernameTemplateError('unclosed "(" in username template');
      operands.push({ kind: 'pipeline', pipeline: inner });
      i = end;
    } else if (token.t === 'str') operands.push({ kind: 'string', value: token.v });
    else if (token.t === 'num') operands.push({ kind: 'number', value: token.v });
    else if (token.t === 'field') operands.push({ kind: 'field', name: token.v });
    else operands.push({ kind: 'ident', name: token.v });
  }
  if (operands.length === 0) throw new UsernameTemplateError('empty action in username template');
  commands.push(operands);
  return [commands, i];
}

// ------------------------------------------------------------- evaluation

type Value = string | number;

function evalPipeline(
  pipeline: Pipeline,
  fields: Record<string, string>,
  input: UsernameInput,
): Value {
  let carried: Value | undefined;
  for (const command of pipeline) {
    carried = evalCommand(command, carried, fields, input);
  }
  return carried ?? '';
}

function evalCommand(
  command: Command,
  carried: Value | undefined,
  fields: Record<string, string>,
  input: UsernameInput,
): Value {
  const [head, ...rest] = command;
  if (head === undefined) throw new UsernameTemplateError('empty command in username template');
  const args = rest.map((operand) => evalOperand(operand, fields, input));
  if (carried !== undefined) args.push(carried);
  if (head.kind !== 'ident') {
    if (args.length > 0)
      throw new UsernameTemplateError('a value cannot take arguments in a username template');
    return evalOperand(head, fields, input);
  }
  return callFunction(head.name, args, input);
}

function evalOperand(
  operand: Operand,
  fields: Record<string, string>,
  input: UsernameInput,
): Value {
  switch (operand.kind) {
    case 'field': {
      const value = fields[operand.name];
      if (value === undefined)
        throw new UsernameTemplateError(`unknown field ".${operand.name}" in username template`);
      return value;
    }
    case 'string':
    case 'number':
      return operand.value;
    case 'ident':
      return callFunction(operand.name, [], input);
    case 'pipeline':
      return evalPipeline(operand.pipeline, fields, input);
  }
}

function callFunction(name: string, args: Value[], input: UsernameInput): Value {
  const int = (index: number): number => {
    const value = args[index];
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new UsernameTemplateError(`${name}: expected a non-negative integer`);
    return n;
  };
  const str = (index: number): string => toText(args[index] ?? '');
  const arity = (n: number): void => {
    if (args.length !== n)
      throw new UsernameTemplateError(`${name}: expected ${n} argument(s), got ${args.length}`);
  };
  switch (name) {
    case 'random': {
      arity(1);
      const length = int(0);
      let out = '';
      for (let i = 0; i < length; i++) out += BASE62[randomInt(BASE62.length)] ?? '';
      return out;
    }
    case 'truncate': {
      arity(2);
      return str(1).slice(0, int(0));
    }
    case 'truncate_sha256': {
      arity(2);
      const max = int(0);
      const value = str(1);
      if (value.length <= max) return value;
      if (max < 8) throw new UsernameTemplateError('truncate_sha256: length must be at least 8');
      const keep = value.slice(0, max - 8);
      const hash = createHash('sha256')
        .update(value.slice(max - 8))
        .digest('hex')
        .slice(0, 8);
      return keep + hash;
    }
    case 'uppercase':
      arity(1);
      return str(0).toUpperCase();
    case 'lowercase':
      arity(1);
      return str(0).toLowerCase();
    case 'replace':
      arity(3);
      return str(2).replaceAll(str(0), str(1));
    case 'sha256':
      arity(1);
      return createHash('sha256').update(str(0)).digest('hex');
    case 'base64':
      arity(1);
      return Buffer.from(str(0), 'utf8').toString('base64');
    case 'unix_time':
      arity(0);
      return Math.floor(input.nowMs / 1000);
    case 'unix_time_millis':
      arity(0);
      return input.nowMs;
    case 'timestamp':
      arity(1);
      return formatGoTime(str(0), input.nowMs);
    case 'uuid':
      arity(0);
      return randomUUID();
    case 'printf': {
      if (args.length === 0) throw new UsernameTemplateError('printf: missing format');
      const [format, ...values] = args;
      let index = 0;
      return toText(format ?? '').replace(/%[svd%]/g, (verb) => {
        if (verb === '%%') return '%';
        const value = values[index++];
        return value === undefined ? `%!${verb.slice(1)}(MISSING)` : toText(value);
      });
    }
    default:
      throw new UsernameTemplateError(`unknown function "${name}" in username template`);
  }
}

function toText(value: Value): string {
  return typeof value === 'number' ? String(value) : value;
}

/** Go's reference-time layout for the common fields (UTC). */
function formatGoTime(layout: string, nowMs: number): string {
  const d = new Date(nowMs);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const parts: Record<string, string> = {
    '2006': String(d.getUTCFullYear()),
    '01': pad(d.getUTCMonth() + 1),
    '02': pad(d.getUTCDate()),
    '15': pad(d.getUTCHours()),
    '04': pad(d.getUTCMinutes()),
    '05': pad(d.getUTCSeconds()),
  };
  return layout.replace(/2006|01|02|15|04|05/g, (token) => parts[token] ?? token);
}
