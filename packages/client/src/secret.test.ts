import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret } from './secret.ts';

const lease = { id: 'database/creds/app/abc', durationMs: 60_000, renewable: false };
const secret = new Secret({
  path: 'database/creds/app',
  value: { username: 'app', password: 'hunter2' },
  version: 'v1',
  lease,
  fetchedAt: 1000,
  expiresAt: 61_000,
});

describe('Secret', () => {
  it('prints [redacted] every way it can be printed', () => {
    expect(String(secret)).toBe('[redacted]');
    // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- the point of the test
    expect(`${secret}`).toBe('[redacted]');
    expect(JSON.stringify(secret)).toBe('"[redacted]"');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
    expect(inspect(secret)).toBe('[redacted]');
    expect(inspect({ nested: [secret] }, { depth: 5 })).not.toContain('hunter2');
    expect(inspect(secret, { showHidden: true })).not.toContain('hunter2');
    expect(Object.keys(secret)).not.toContain('value');
  });

  it('reveals the raw value only through reveal()', () => {
    expect(secret.reveal()).toEqual({ username: 'app', password: 'hunter2' });
  });

  it('exposes its metadata', () => {
    expect(secret.path).toBe('database/creds/app');
    expect(secret.version).toBe('v1');
    expect(secret.lease).toEqual(lease);
    expect(secret.fetchedAt).toBe(1000);
    expect(secret.expiresAt).toBe(61_000);
  });
});
