import { describe, expect, it } from 'vitest';
import type { PipelineResult } from '../core/pipeline/types.ts';
import { plainEnvelopeJson, toEnvelope } from './response.ts';

const ID = '9e3a7f5c-0000-4000-8000-000000000001';

describe('the envelope of a plain read', () => {
  it('is what JSON.stringify writes of the envelope', () => {
    const frozen = Object.freeze({ data: Object.freeze({ password: 'p' }), metadata: null });
    const results: PipelineResult[] = [
      { response: { data: frozen }, mountType: 'kv', mountPath: 'secret/' },
      { response: { data: { keys: ['a', 'b/'] } }, mountType: 'kv', mountPath: 'secret/' },
      { response: { data: frozen, warnings: [] }, mountType: '' },
      { response: { data: frozen }, mountType: 'a "quoted" type', mountPath: 'x/' },
    ];
    for (const result of results) {
      expect(plainEnvelopeJson(ID, result)).toBe(JSON.stringify(toEnvelope(ID, result)));
    }
  });

  it('leaves every other answer to the general path', () => {
    const others: PipelineResult[] = [
      { response: { data: { a: 1 }, warnings: ['careful'] }, mountType: 'kv' },
      { response: { data: { a: 1 }, topLevel: { extra: true } }, mountType: 'kv' },
      { response: {}, mountType: 'kv' },
      { response: undefined, mountType: 'kv' },
      {
        response: { data: { a: 1 } },
        mountType: 'kv',
        lease: { id: 'l', ttlMs: 1000, renewable: true },
      },
    ];
    for (const result of others) expect(plainEnvelopeJson(ID, result)).toBeUndefined();
  });
});
