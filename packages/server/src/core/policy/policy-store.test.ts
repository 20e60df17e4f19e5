import { describe, expect, it } from 'vitest';
import { LogicalError } from '../../logical/errors.ts';
import type { Storage } from '../../logical/storage.ts';
import { DEFAULT_POLICY_TEXT } from './builtin.ts';
import { PolicyStore } from './policy-store.ts';

/** A Map-backed Storage with the physical `list` semantics (immediate children, sorted). */
class MapStorage implements Storage {
  readonly data = new Map<string, Uint8Array>();
  puts = 0;

  get(key: string): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.data.get(key));
  }

  put(key: string, value: Uint8Array): Promise<void> {
    this.puts++;
    this.data.set(key, value);
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.data.delete(key);
    return Promise.resolve();
  }

  list(prefix: string): Promise<string[]> {
    const out = new Set<string>();
    for (const key of this.data.keys()) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf('/');
      out.add(slash < 0 ? rest : rest.slice(0, slash + 1));
    }
    return Promise.resolve([...out].sort());
  }
}

const READ_SECRET = 'path "secret/*" {\n  capabilities = ["read"]\n}\n';
const DENY_SECRET = 'path "secret/*" {\n  capabilities = ["deny"]\n}\n';

async function refusal(promise: Promise<unknown>): Promise<LogicalError> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(LogicalError);
  return error as LogicalError;
}

describe('PolicyStore', () => {
  it('stores, reads, lists and deletes policies', async () => {
    const storage = new MapStorage();
    const store = new PolicyStore(storage);
    await store.set('Readers', READ_SECRET);
    expect([...storage.data.keys()]).toEqual(['policy/readers']);
    const policy = await store.get('readers');
    expect(policy?.name).toBe('readers');
    expect(policy?.raw).toBe(READ_SECRET);
    expect(await store.list()).toEqual(['readers', 'root']);
    await store.delete('READERS');
    expect(await store.get('readers')).toBeUndefined();
    expect(await store.list()).toEqual(['root']);
  });

  it('deleting a missing policy succeeds', async () => {
    await new PolicyStore(new MapStorage()).delete('nope');
  });

  it('stores nothing when the document is invalid', async () => {
    const storage = new MapStorage();
    const store = new PolicyStore(storage);
    const error = await refusal(store.set('bad', 'path "a" {\n  capabilities = ["reed"]\n}'));
    expect(error.code).toBe('invalid_policy');
    expect(storage.puts).toBe(0);
    expect(await store.get('bad')).toBeUndefined();
  });

  it('refuses to write or delete root, and reads it as empty', async () => {
    const store = new PolicyStore(new MapStorage());
    const write = await refusal(store.set('root', READ_SECRET));
    expect(write.status).toBe(400);
    expect(write.message).toMatch(/cannot update "root" policy/);
    const remove = await refusal(store.delete('Root'));
    expect(remove.message).toMatch(/cannot delete "root" policy/);
    expect(await store.get('root')).toMatchObject({ name: 'root', raw: '' });
  });

  it('creates default once, lets it be modified, never deleted', async () => {
    const storage = new MapStorage();
    const store = new PolicyStore(storage);
    await store.setup();
    expect((await store.get('default'))?.raw).toBe(DEFAULT_POLICY_TEXT);
    await store.set('default', READ_SECRET);
    await store.setup(); // must not overwrite the operator's edit
    expect((await store.get('default'))?.raw).toBe(READ_SECRET);
    const remove = await refusal(store.delete('default'));
    expect(remove.message).toMatch(/cannot delete "default" policy/);
  });

  it('compiles ACLs from names, ignoring unknown ones', async () => {
    const store = new PolicyStore(new MapStorage());
    await store.set('readers', READ_SECRET);
    const acl = await store.acl(['readers', 'ghost']);
    expect(acl.check('read', 'secret/x').allowed).toBe(true);
    expect(acl.check('update', 'secret/x').allowed).toBe(false);
    expect((await store.acl(['root'])).check('delete', 'sys/audit/x')).toMatchObject({
      allowed: true,
      rootPrivs: true,
    });
  });

  it('caches ACLs by the sorted name set', async () => {
    const store = new PolicyStore(new MapStorage());
    await store.set('a', READ_SECRET);
    await store.set('b', 'path "other" {\n  capabilities = ["read"]\n}');
    const first = await store.acl(['a', 'b']);
    expect(await store.acl(['b', 'a', 'A'])).toBe(first);
    expect(await store.acl(['a'])).not.toBe(first);
  });

  it('invalidates cached ACLs on set and delete', async () => {
    const store = new PolicyStore(new MapStorage());
    await store.set('a', READ_SECRET);
    const before = await store.acl(['a']);
    expect(before.check('read', 'secret/x').allowed).toBe(true);
    await store.set('a', DENY_SECRET);
    const after = await store.acl(['a']);
    expect(after).not.toBe(before);
    expect(after.check('read', 'secret/x').allowed).toBe(false);
    await store.delete('a');
    expect((await store.acl(['a'])).check('read', 'secret/x').capabilities).toEqual(['deny']);
  });

  it('does not cache an ACL compiled across a concurrent write', async () => {
    const storage = new MapStorage();
    const store = new PolicyStore(storage);
    await store.set('a', READ_SECRET);
    const compiling = store.acl(['a']); // reads storage asynchronously
    const writing = store.set('a', DENY_SECRET);
    await Promise.all([compiling, writing]);
    expect((await store.acl(['a'])).check('read', 'secret/x').allowed).toBe(false);
  });

  it('renders templated policies per identity and caches per identity', async () => {
    const store = new PolicyStore(new MapStorage());
    await store.setup();
    const alice = { entity: { id: 'e-alice', name: 'alice' } };
    const bob = { entity: { id: 'e-bob', name: 'bob' } };
    const forAlice = await store.acl(['default'], alice);
    const forBob = await store.acl(['default'], bob);
    expect(forAlice.check('read', 'identity/entity/id/e-alice').allowed).toBe(true);
    expect(forAlice.check('read', 'identity/entity/id/e-bob').allowed).toBe(false);
    expect(forBob.check('read', 'identity/entity/name/bob').allowed).toBe(true);
    expect(await store.acl(['default'], alice)).toBe(forAlice);
    expect(await store.acl(['default'], bob)).toBe(forBob);
  });

  it('evicts the least recently used ACL beyond the cache size', async () => {
    const store = new PolicyStore(new MapStorage(), { aclCacheSize: 2 });
    for (const name of ['a', 'b', 'c']) await store.set(name, READ_SECRET);
    const a = await store.acl(['a']);
    await store.acl(['b']);
    expect(await store.acl(['a'])).toBe(a); // refreshes a
    await store.acl(['c']); // evicts b
    expect(await store.acl(['a'])).toBe(a);
  });

  it('refuses invalid names everywhere', async () => {
    const store = new PolicyStore(new MapStorage());
    expect((await refusal(store.get(''))).code).toBe('invalid_policy');
    expect((await refusal(store.set('a/b', READ_SECRET))).code).toBe('invalid_policy');
    expect((await refusal(store.acl(['ok', 'bad name']))).code).toBe('invalid_policy');
  });
});
