import { describe, expect, it } from 'vitest';
import { SecretNotFoundError, SecretsError, classifyError } from '../errors.ts';
import { EnvProvider, envVarName } from './env-provider.ts';

const opts = (): { signal: AbortSignal } => ({ signal: new AbortController().signal });

describe('envVarName', () => {
  it.each([
    ['db/password', 'DB_PASSWORD'],
    ['api.stripe-key', 'API_STRIPE_KEY'],
    ['ALREADY_UPPER', 'ALREADY_UPPER'],
  ])('%s -> %s', (path, name) => {
    expect(envVarName(path)).toBe(name);
  });
});

describe('EnvProvider', () => {
  it('maps paths to variables and reads the injected env live', async () => {
    const env: Record<string, string | undefined> = { DB_PASSWORD: 's3cret' };
    const provider = new EnvProvider({ env });
    expect(provider.name).toBe('env');
    expect(await provider.fetch('db/password', opts())).toEqual({ value: 's3cret' });
    env.DB_PASSWORD = 'rotated';
    expect((await provider.fetch('db/password', opts())).value).toBe('rotated');
  });

  it('applies a prefix, explicit mappings and a custom derivation', async () => {
    const env = { APP_DB_PASSWORD: 'a', LEGACY_PW: 'b', 'APP_db.user': 'c' };
    const provider = new EnvProvider({ env, prefix: 'APP_', mapping: { legacy: 'LEGACY_PW' } });
    expect(provider.variableFor('db/password')).toBe('APP_DB_PASSWORD');
    expect((await provider.fetch('db/password', opts())).value).toBe('a');
    expect((await provider.fetch('legacy', opts())).value).toBe('b');
    const custom = new EnvProvider({
      env,
      prefix: 'APP_',
      toVariableName: (p) => p.replace('/', '.'),
    });
    expect((await custom.fetch('db/user', opts())).value).toBe('c');
  });

  it('throws SecretNotFoundError (permanent) for an unset variable, not for an empty one', async () => {
    const provider = new EnvProvider({ env: { EMPTY: '' }, name: 'environment' });
    const error: unknown = await provider.fetch('missing', opts()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect(classifyError(error)).toBe('permanent');
    expect((error as Error).message).toContain('environment');
    expect((await provider.fetch('empty', opts())).value).toBe('');
  });

  it('does not resolve names through the prototype', async () => {
    const provider = new EnvProvider({ env: {}, toVariableName: () => 'constructor' });
    await expect(provider.fetch('x', opts())).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it('honours an aborted signal', async () => {
    const provider = new EnvProvider({ env: { A: '1' } });
    const controller = new AbortController();
    const reason = new Error('gave up');
    controller.abort(reason);
    await expect(provider.fetch('a', { signal: controller.signal })).rejects.toBe(reason);
  });

  it('reports ttlMs when configured', async () => {
    const provider = new EnvProvider({ env: { A: '1' }, ttlMs: 5000 });
    expect(await provider.fetch('a', opts())).toEqual({ value: '1', ttlMs: 5000 });
  });

  describe('JSON parsing', () => {
    const env = {
      OBJ: '{"user":"u","password":"hunter2"}',
      STR: 'plain',
      ARR: '[1,2]',
      BAD: '{hunter2',
    };

    it("'never' returns strings", async () => {
      const provider = new EnvProvider({ env });
      expect((await provider.fetch('obj', opts())).value).toBe(env.OBJ);
    });

    it("'auto' parses objects and leaves everything else a string", async () => {
      const provider = new EnvProvider({ env, json: 'auto' });
      expect((await provider.fetch('obj', opts())).value).toEqual({
        user: 'u',
        password: 'hunter2',
      });
      expect((await provider.fetch('str', opts())).value).toBe('plain');
      expect((await provider.fetch('arr', opts())).value).toBe('[1,2]');
      expect((await provider.fetch('bad', opts())).value).toBe('{hunter2');
    });

    it("'always' rejects non-objects without revealing the value", async () => {
      const provider = new EnvProvider({ env, json: 'always' });
      expect((await provider.fetch('obj', opts())).value).toEqual({
        user: 'u',
        password: 'hunter2',
      });
      const error: unknown = await provider.fetch('bad', opts()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretsError);
      expect((error as SecretsError).code).toBe('invalid_json');
      expect((error as Error).message).not.toContain('hunter2');
      expect((error as Error).cause).toBeUndefined();
    });
  });
});
