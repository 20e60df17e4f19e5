/**
 * Field schemas: the single place where request input is coerced and validated.
 *
 * Vault is lenient about input shapes (a duration may be `90`, `"90"` or `"1m30s"`; a list may
 * be `["a","b"]` or `"a,b"`), and clients depend on that leniency. Handlers receive values
 * already coerced to the declared type, typed from the field table.
 */
import { DurationError, parseDuration } from '@strongroom/protocol';
import { invalidField, missingField } from '../logical/errors.ts';

export type FieldType =
  | 'string'
  | 'lowercase-string'
  | 'int'
  | 'bool'
  /** Seconds in the API; handlers receive milliseconds. */
  | 'duration'
  /** `"a,b"` or `["a","b"]`; trimmed, empties dropped. */
  | 'comma-string-slice'
  /** `["a","b"]` (a single string becomes a one-element list). */
  | 'string-slice'
  /** A JSON object. */
  | 'map'
  /** A JSON object of strings, or a list of `"k=v"`. */
  | 'kv-pairs'
  /** Any JSON value. */
  | 'json';

export interface FieldSchema {
  readonly type: FieldType;
  /** Doubles as API documentation and help text. */
  readonly description: string;
  readonly default?: unknown;
  readonly required?: boolean;
  /** Sensitive values are HMAC'd by audit devices and never logged. */
  readonly sensitive?: boolean;
  /** Accepted values, for enumerations. */
  readonly allowed?: readonly string[];
}

export type FieldTable = Readonly<Record<string, FieldSchema>>;

export interface FieldValueOf {
  string: string;
  'lowercase-string': string;
  int: number;
  bool: boolean;
  duration: number;
  'comma-string-slice': string[];
  'string-slice': string[];
  map: Record<string, unknown>;
  'kv-pairs': Record<string, string>;
  json: unknown;
}

type HasValue<S extends FieldSchema> = S extends { readonly required: true }
  ? true
  : S extends { readonly default: unknown }
    ? true
    : false;

/** The typed input a handler receives for a field table. */
export type FieldData<F extends FieldTable> = {
  readonly [K in keyof F]: HasValue<F[K]> extends true
    ? FieldValueOf[F[K]['type']]
    : FieldValueOf[F[K]['type']] | undefined;
};

/** Coerces one raw input value to a field's type, or throws a 400 naming the field. */
export function coerceField(name: string, schema: FieldSchema, raw: unknown): unknown {
  switch (schema.type) {
    case 'string':
    case 'lowercase-string': {
      let text: string;
      if (typeof raw === 'string') text = raw;
      else if (typeof raw === 'number' || typeof raw === 'boolean') text = String(raw);
      else throw invalidField(name, `expected a string, got ${describe(raw)}`);
      if (schema.type === 'lowercase-string') text = text.toLowerCase();
      if (schema.allowed !== undefined && !schema.allowed.includes(text)) {
        throw invalidField(
          name,
          `must be one of ${schema.allowed.map((a) => `"${a}"`).join(', ')}`,
        );
      }
      return text;
    }
    case 'int': {
      const value = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        throw invalidField(name, `expected an integer, got ${describe(raw)}`);
      }
      return value;
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1' || raw === 1) return true;
      if (raw === 'false' || raw === '0' || raw === 0 || raw === '') return false;
      throw invalidField(name, `expected a boolean, got ${describe(raw)}`);
    }
    case 'duration': {
      try {
        return parseDuration(raw);
      } catch (error) {
        if (error instanceof DurationError) throw invalidField(name, error.message);
        throw error;
      }
    }
    case 'comma-string-slice': {
      const items =
        typeof raw === 'string'
          ? raw.split(',')
          : Array.isArray(raw)
            ? raw.flatMap(splitItem)
            : null;
      if (items === null || !items.every((i): i is string => typeof i === 'string')) {
        throw invalidField(name, `expected a list of strings or a comma-separated string`);
      }
      return items.map((i) => i.trim()).filter((i) => i !== '');
    }
    case 'string-slice': {
      if (typeof raw === 'string') return [raw];
      if (Array.isArray(raw) && raw.every((i) => typeof i === 'string')) return [...raw];
      throw invalidField(name, `expected a list of strings, got ${describe(raw)}`);
    }
    case 'map': {
      if (isPlainObject(raw)) return { ...raw };
      if (typeof raw === 'string' && raw.trim().startsWith('{')) {
        try {
          const parsed: unknown = JSON.parse(raw);
          if (isPlainObject(parsed)) return parsed;
        } catch {
          // fall through to the error below
        }
      }
      throw invalidField(name, `expected an object, got ${describe(raw)}`);
    }
    case 'kv-pairs': {
      const out: Record<string, string> = {};
      if (isPlainObject(raw)) {
        for (const [k, v] of Object.entries(raw)) {
          if (typeof v !== 'string') throw invalidField(name, `value of "${k}" must be a string`);
          out[k] = v;
        }
        return out;
      }
      const list = typeof raw === 'string' ? raw.split(',') : raw;
      if (Array.isArray(list)) {
        for (const item of list) {
          if (typeof item !== 'string' || !item.includes('=')) {
            throw invalidField(name, `expected "key=value" pairs`);
          }
          const at = item.indexOf('=');
          out[item.slice(0, at).trim()] = item.slice(at + 1).trim();
        }
        return out;
      }
      throw invalidField(name, `expected an object of strings or "key=value" pairs`);
    }
    case 'json':
      return raw;
  }
}

function splitItem(item: unknown): unknown[] {
  return typeof item === 'string' ? item.split(',') : [item];
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : typeof value;
}

export interface ParsedFields {
  readonly values: Record<string, unknown>;
  /** Fields the caller actually sent (for partial updates). */
  readonly provided: ReadonlySet<string>;
  /** Input keys the table does not know (reported as a warning, as Vault does). */
  readonly unknown: readonly string[];
}

/**
 * Coerces `input` against `table`: declared fields are coerced (or defaulted), missing required
 * fields are refused, and unknown keys are collected for the warning.
 */
export function parseFields(
  table: FieldTable,
  input: Readonly<Record<string, unknown>>,
  options: { readonly checkRequired: boolean },
): ParsedFields {
  const values: Record<string, unknown> = {};
  const provided = new Set<string>();
  for (const name in table) {
    const schema = table[name] as FieldSchema;
    const raw = input[name];
    if (raw === undefined || raw === null) {
      if (schema.default !== undefined) {
        values[name] = coerceField(name, schema, schema.default);
      } else if (schema.required === true && options.checkRequired) {
        throw missingField(name);
      }
      continue;
    }
    values[name] = coerceField(name, schema, raw);
    provided.add(name);
  }
  const unknown = Object.keys(input).filter((key) => !(key in table));
  return { values, provided, unknown };
}
