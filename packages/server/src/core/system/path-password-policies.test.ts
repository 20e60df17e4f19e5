import { ManualClock } from '@strongroom/protocol';
import { describe, expect, it } from 'vitest';
import { captureLogger, logicalFailure, memoryStorage } from '../../test-support.ts';
import { systemRequester } from './test-support.ts';
import { PasswordPolicyStore } from '../password-policy/index.ts';
import { passwordPolicyPaths } from './path-password-policies.ts';

const POLICY =
  'length = 12\nrule "charset" {\n  charset = "abc"\n  min-chars = 2\n}\nrule "charset" {\n  charset = "0123"\n  min-chars = 2\n}\n';

function setup() {
  const clock = new ManualClock();
  const { logger } = captureLogger();
  const storage = memoryStorage();
  const store = new PasswordPolicyStore(storage);
  const request = systemRequester(passwordPolicyPaths({ passwordPolicies: () => store }), {
    clock,
    logger,
  });
  return { request, storage };
}

describe('sys/policies/password', () => {
  it('writes, reads, lists, generates from and deletes a policy', async () => {
    const { request } = setup();
    expect(await request('update', 'policies/password/app', { policy: POLICY })).toBeUndefined();
    expect(await request('read', 'policies/password/app')).toEqual({ data: { policy: POLICY } });
    expect(await request('list', 'policies/password')).toEqual({ data: { keys: ['app'] } });

    const generated = await request('read', 'policies/password/app/generate');
    const password = generated?.data?.password;
    expect(typeof password).toBe('string');
    expect(password).toMatch(/^[abc0123]{12}$/);
    expect(String(password).replace(/[^abc]/g, '').length).toBeGreaterThanOrEqual(2);
    expect(String(password).replace(/[^0123]/g, '').length).toBeGreaterThanOrEqual(2);

    expect(await request('delete', 'policies/password/app')).toBeUndefined();
    expect((await logicalFailure(request('read', 'policies/password/app'))).status).toBe(404);
    expect((await logicalFailure(request('read', 'policies/password/app/generate'))).code).toBe(
      'not_found',
    );
    expect((await logicalFailure(request('list', 'policies/password'))).status).toBe(404);
    // Deleting again succeeds.
    expect(await request('delete', 'policies/password/app')).toBeUndefined();
  });

  it('stores nothing when the document is invalid', async () => {
    const { request, storage } = setup();
    const error = await logicalFailure(
      request('update', 'policies/password/bad', { policy: 'length = 20\n' }),
    );
    expect(error.code).toBe('invalid_policy');
    expect(error.status).toBe(400);
    expect(await storage.list('')).toEqual([]);
  });

  it('requires the policy field', async () => {
    const { request } = setup();
    expect((await logicalFailure(request('update', 'policies/password/x', {}))).code).toBe(
      'missing_field',
    );
  });
});
