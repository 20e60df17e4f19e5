import { describe, expect, it } from 'vitest';
import { keyValuePairs, optionalArg, parseArgs, splitList } from './args.ts';
import { UsageError } from './errors.ts';

const spec = { format: 'string', policy: 'list', orphan: 'bool', 'use-limit': 'int' } as const;

describe('parseArgs', () => {
  it('accepts -flag=value, -flag value, --flag value and bare booleans anywhere', () => {
    const parsed = parseArgs(
      ['-format=json', 'a', '--policy', 'x', '-policy=y', '-orphan', '-use-limit', '3', 'b'],
      spec,
    );
    expect(parsed.flags).toEqual({
      format: 'json',
      policy: ['x', 'y'],
      orphan: true,
      'use-limit': 3,
    });
    expect(parsed.args).toEqual(['a', 'b']);
    expect(parsed.rest).toBeUndefined();
  });

  it('treats a lone - as positional, stops at --, and notes -h', () => {
    const parsed = parseArgs(['-', '-h', '--', '-orphan', 'x'], spec);
    expect(parsed.args).toEqual(['-']);
    expect(parsed.rest).toEqual(['-orphan', 'x']);
    expect(parsed.help).toBe(true);
  });

  it('stops at the first positional when asked (run)', () => {
    expect(
      parseArgs(['-orphan', 'env', '-format=x'], spec, { stopAtPositional: true }).rest,
    ).toEqual(['env', '-format=x']);
  });

  it.each([
    [['-nope'], 'flag provided but not defined: -nope'],
    [['-format'], 'flag needs an argument: -format'],
    [['-use-limit=x'], 'invalid value for -use-limit: expected an integer'],
    [['-orphan=maybe'], 'invalid boolean value for -orphan: expected true or false'],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseArgs(argv, spec)).toThrow(new UsageError(message));
  });

  it('parses booleans with values', () => {
    expect(parseArgs(['-orphan=false'], spec).flags.orphan).toBe(false);
  });
});

describe('optionalArg', () => {
  it('returns the one positional or undefined, and rejects more', () => {
    expect(optionalArg([], 'token lookup [TOKEN]')).toBeUndefined();
    expect(optionalArg(['a'], 'token lookup [TOKEN]')).toBe('a');
    expect(() => optionalArg(['a', 'b'], 'token lookup [TOKEN]')).toThrow(
      new UsageError('too many arguments; usage: token lookup [TOKEN]'),
    );
  });
});

describe('list helpers', () => {
  it('splits comma lists and key=value pairs without echoing values', () => {
    expect(splitList(['1,2', ' 3 '])).toEqual(['1', '2', '3']);
    expect(keyValuePairs(['a=1', 'b=x=y'], 'metadata')).toEqual({ a: '1', b: 'x=y' });
    expect(() => keyValuePairs(['secret-value'], 'metadata')).toThrow(
      'invalid -metadata value: expected key=value',
    );
  });
});
