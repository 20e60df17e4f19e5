import { describe, expect, it } from 'vitest';
import { assertMergePatch, mergePatch } from './merge-patch.ts';
import type { LogicalRequest } from '../../logical/request.ts';

describe('mergePatch (RFC 7396 appendix A)', () => {
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j patched with %j is %j', (target, patch, expected) => {
    expect(mergePatch(target, patch)).toEqual(expected);
  });

  it('never mutates its inputs', () => {
    const target = { a: { b: 1 } };
    const patch = { a: { c: 2 } };
    mergePatch(target, patch);
    expect(target).toEqual({ a: { b: 1 } });
    expect(patch).toEqual({ a: { c: 2 } });
  });

  it('keeps a __proto__ member a plain member', () => {
    const patched = mergePatch({}, JSON.parse('{"__proto__":{"polluted":true}}')) as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(patched)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(patched)).toEqual(['__proto__']);
  });
});

describe('assertMergePatch', () => {
  const request = (contentType?: string): LogicalRequest => ({
    id: 'r',
    operation: 'patch',
    path: 'data/x',
    data: {},
    clientToken: '',
    remoteAddress: '',
    ...(contentType === undefined ? {} : { contentType }),
  });

  it('accepts application/merge-patch+json with parameters, in any case', () => {
    expect(() => assertMergePatch(request('application/merge-patch+json'))).not.toThrow();
    expect(() =>
      assertMergePatch(request('Application/Merge-Patch+JSON; charset=utf-8')),
    ).not.toThrow();
  });

  it.each([undefined, 'application/json', 'application/json-patch+json', 'text/plain'])(
    'refuses %s with 415',
    (contentType) => {
      expect(() => assertMergePatch(request(contentType))).toThrow(
        expect.objectContaining({ status: 415, code: 'unsupported_media_type' }),
      );
    },
  );
});
