import { createSecretKey, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

import { describe, expect, it } from 'vitest';

import { Keyring } from './keyring.ts';

const newKey = () => createSecretKey(randomBytes(32));

describe('Keyring', () => {
  it('starts at term 1 and rotates to the next term, keeping older ones', () => {
    const first = Keyring.create(newKey(), 1000);
    const second = first.rotated(newKey(), 2000);
    expect(first.activeTerm).toBe(1);
    expect(second.activeTerm).toBe(2);
    expect(second.size).toBe(2);
    expect(second.term(1)?.key.equals(first.active.key)).toBe(true);
    expect(second.active.installTime).toBe(2000);
  });

  it('serializes and deserializes every term and the active one', () => {
    const keyring = Keyring.create(newKey(), Date.UTC(2026, 0, 1)).rotated(
      newKey(),
      Date.UTC(2026, 1, 1),
    );
    const restored = Keyring.deserialize(keyring.serialize());
    expect(restored.activeTerm).toBe(2);
    for (const term of [1, 2]) {
      expect(restored.term(term)?.key.equals(keyring.term(term)!.key)).toBe(true);
      expect(restored.term(term)?.installTime).toBe(keyring.term(term)?.installTime);
    }
  });

  it('refuses malformed input without echoing it', () => {
    const bad = (text: string) => () => Keyring.deserialize(new TextEncoder().encode(text));
    expect(bad('not json {')).toThrow('keyring: stored keyring is not valid JSON');
    expect(bad('{"version":1,"active_term":2,"keys":[]}')).toThrow(/active term has no key/);
    expect(
      bad(
        '{"version":1,"active_term":1,"keys":[{"term":1,"key":"c2hvcnQ=","install_time":"2026-01-01T00:00:00Z"}]}',
      ),
    ).toThrow('keyring: stored key for term 1 is malformed');
    expect(bad('{"version":2}')).toThrow('keyring: stored keyring is malformed');
  });

  it('does not reveal key material when inspected', () => {
    const keyring = Keyring.create(newKey(), 0);
    const raw = keyring.active.key.export();
    expect(inspect(keyring, { depth: 10 })).not.toContain(raw.toString('hex'));
    expect(inspect(keyring.active, { depth: 10 })).not.toContain(raw.toString('base64'));
  });
});
