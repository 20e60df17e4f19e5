import { describe, expect, it } from 'vitest';
import { LogicalError } from '../logical/errors.ts';
import { coerceField, parseFields } from './fields.ts';
import type { FieldSchema } from './fields.ts';

const field = (type: FieldSchema['type'], extra: Partial<FieldSchema> = {}): FieldSchema => ({
  type,
  description: 'test',
  ...extra,
});

describe('coerceField', () => {
  it.each([
    ['string', 'abc', 'abc'],
    ['string', 12, '12'],
    ['lowercase-string', 'MiXeD', 'mixed'],
    ['int', 42, 42],
    ['int', '42', 42],
    ['int', '-3', -3],
    ['bool', true, true],
    ['bool', 'true', true],
    ['bool', '0', false],
    ['duration', 90, 90_000],
    ['duration', '90', 90_000],
    ['duration', '1h30m', 5_400_000],
    ['comma-string-slice', 'a, b,,c', ['a', 'b', 'c']],
    ['comma-string-slice', ['a', 'b,c'], ['a', 'b', 'c']],
    ['string-slice', 'one', ['one']],
    ['string-slice', ['x', 'y'], ['x', 'y']],
    ['map', { a: 1 }, { a: 1 }],
    ['map', '{"a":1}', { a: 1 }],
    ['kv-pairs', { a: 'b' }, { a: 'b' }],
    ['kv-pairs', ['a=b', 'c=d=e'], { a: 'b', c: 'd=e' }],
    ['json', [1, 2], [1, 2]],
  ] as const)('%s accepts %j', (type, raw, expected) => {
    expect(coerceField('f', field(type), raw)).toEqual(expected);
  });

  it.each([
    ['string', {}],
    ['int', 1.5],
    ['int', 'twelve'],
    ['bool', 'maybe'],
    ['duration', '5 minutes'],
    ['duration', -1],
    ['comma-string-slice', 5],
    ['string-slice', [1]],
    ['map', 'nope'],
    ['kv-pairs', ['novalue']],
  ] as const)('%s rejects %j with a 400 naming the field', (type, raw) => {
    try {
      coerceField('ttl_field', field(type), raw);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(LogicalError);
      expect((error as LogicalError).status).toBe(400);
      expect((error as LogicalError).message).toContain('"ttl_field"');
    }
  });

  it('enforces allowed values', () => {
    expect(() => coerceField('kind', field('string', { allowed: ['a', 'b'] }), 'c')).toThrow(
      /must be one of "a", "b"/,
    );
  });
});

describe('parseFields', () => {
  const table = {
    name: field('string', { required: true }),
    ttl: field('duration', { default: '1h' }),
    tags: field('comma-string-slice'),
  };

  it('coerces, defaults, records what was provided and what was unknown', () => {
    const parsed = parseFields(table, { name: 'x', extra: 1 }, { checkRequired: true });
    expect(parsed.values).toEqual({ name: 'x', ttl: 3_600_000 });
    expect([...parsed.provided]).toEqual(['name']);
    expect(parsed.unknown).toEqual(['extra']);
  });

  it('refuses a missing required field only when asked to', () => {
    expect(() => parseFields(table, {}, { checkRequired: true })).toThrow(
      /missing required field "name"/,
    );
    expect(parseFields(table, {}, { checkRequired: false }).values).toEqual({ ttl: 3_600_000 });
  });

  it('treats null as absent', () => {
    expect(
      parseFields(table, { name: 'x', tags: null }, { checkRequired: true }).provided.has('tags'),
    ).toBe(false);
  });
});
