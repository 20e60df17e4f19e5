/**
 * The engine's own paths on memory storage with a fake plugin (the real interface, no database):
 * listing, reading, existence checks and deletes of connections, dynamic and static roles, the
 * name shared by the two role kinds, `allowed_roles`, and a static role whose first rotation fails.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { badRequest } from '../../logical/errors.ts';
import type { LogicalResponse } from '../../logical/response.ts';
import type { DatabasePlugin, PluginFactory } from './plugin.ts';
import { databaseHarness } from './test-support.ts';
import type { DatabaseHarness } from './test-support.ts';

const ADMIN_PASSWORD = 'admin-secret-pw-1';

describe('database paths (memory storage, fake plugin)', () => {
  let harness: DatabaseHarness;
  let failSetPassword: boolean;
  let passwordsSet: string[];

  const fakePlugin: PluginFactory = (pluginName) => {
    const plugin: DatabasePlugin = {
      pluginName,
      defaultUsernameTemplate: '{{.RoleName}}-{{random 8}}',
      verify: () => Promise.resolve(),
      newUser: () => Promise.resolve(),
      renewUser: () => Promise.resolve(),
      revokeUser: () => Promise.resolve(),
      setPassword: ({ password }) => {
        if (failSetPassword) return Promise.reject(badRequest('fake: cannot alter the user'));
        passwordsSet.push(password);
        return Promise.resolve();
      },
      rotateRootPassword: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    return plugin;
  };

  const request: DatabaseHarness['request'] = (...args) => harness.request(...args);
  const failure: DatabaseHarness['fail'] = (...args) => harness.fail(...args);
  const exists: DatabaseHarness['exists'] = (path) => harness.exists(path);

  const connect = (name: string, allowedRoles: string): Promise<LogicalResponse | undefined> =>
    request('update', `config/${name}`, {
      plugin_name: 'postgresql-database-plugin',
      connection_url: 'postgresql://{{username}}:{{password}}@127.0.0.1:5432/postgres',
      username: 'admin',
      password: ADMIN_PASSWORD,
      allowed_roles: allowedRoles,
    });

  beforeEach(async () => {
    failSetPassword = false;
    passwordsSet = [];
    harness = await databaseHarness({
      pluginFactory: fakePlugin,
      random: () => 0,
      startMs: Date.UTC(2026, 0, 1),
    });
  });

  it('lists, reads and deletes connections and both kinds of role; 404 with no errors when absent', async () => {
    for (const path of ['config/', 'roles/', 'static-roles/']) {
      const empty = await failure('list', path);
      expect([empty.status, empty.errors]).toEqual([404, []]);
    }
    for (const path of ['config/pg', 'roles/ro', 'static-roles/app']) {
      const missing = await failure('read', path);
      expect([missing.status, missing.errors]).toEqual([404, []]);
      expect(await exists(path)).toBe(false);
    }

    await connect('pg', 'ro,app');
    await request('update', 'roles/ro', {
      db_name: 'pg',
      creation_statements: ['CREATE ROLE "{{name}}"'],
      default_ttl: '1h',
      max_ttl: '2h',
    });
    await request('update', 'static-roles/app', {
      db_name: 'pg',
      username: 'app_user',
      rotation_period: '1h',
    });
    expect(await request('list', 'config/')).toEqual({ data: { keys: ['pg'] } });
    expect(await request('list', 'roles/')).toEqual({ data: { keys: ['ro'] } });
    expect(await request('list', 'static-roles/')).toEqual({ data: { keys: ['app'] } });
    for (const path of ['config/pg', 'roles/ro', 'static-roles/app']) {
      expect(await exists(path)).toBe(true);
    }

    expect((await request('read', 'config/pg'))?.data).toMatchObject({
      plugin_name: 'postgresql-database-plugin',
      allowed_roles: ['ro', 'app'],
      connection_details: { username: 'admin' },
    });
    expect((await request('read', 'roles/ro'))?.data).toEqual({
      db_name: 'pg',
      creation_statements: ['CREATE ROLE "{{name}}"'],
      revocation_statements: [],
      renew_statements: [],
      rollback_statements: [],
      default_ttl: 3600,
      max_ttl: 7200,
      credential_type: 'password',
    });
    expect((await request('read', 'static-roles/app'))?.data).toEqual({
      db_name: 'pg',
      username: 'app_user',
      rotation_period: 3600,
      rotation_statements: [],
      credential_type: 'password',
      last_vault_rotation: new Date(harness.clock.now()).toISOString(),
    });
    expect((await request('help', 'roles/ro'))?.data).toEqual({
      help: 'Manages the dynamic roles: which statements make a user, and its lease TTLs.',
      operations: ['read', 'update', 'delete'],
    });
    expect((await request('help', 'static-roles/app'))?.data).toMatchObject({
      operations: ['read', 'update', 'delete'],
    });

    await request('delete', 'roles/ro');
    await request('delete', 'static-roles/app');
    await request('delete', 'config/pg');
    for (const path of ['config/pg', 'roles/ro', 'static-roles/app']) {
      expect((await failure('read', path)).status).toBe(404);
    }
    expect((await failure('read', 'static-creds/app')).message).toBe('unknown static role: app');
    expect((await failure('update', 'rotate-role/app')).message).toBe(
      'no static role found for role name "app"',
    );
    expect(harness.captured.text()).not.toContain(ADMIN_PASSWORD);
    for (const password of passwordsSet) expect(harness.captured.text()).not.toContain(password);
  });

  it('keeps dynamic and static role names apart', async () => {
    await connect('pg', '*');
    await request('update', 'roles/shared', {
      db_name: 'pg',
      creation_statements: ['CREATE ROLE "{{name}}"'],
    });
    const asStatic = await failure('update', 'static-roles/shared', {
      db_name: 'pg',
      username: 'u',
      rotation_period: '1h',
    });
    expect([asStatic.status, asStatic.message]).toEqual([
      400,
      'Role and Static Role names must be unique',
    ]);
    await request('update', 'static-roles/other', {
      db_name: 'pg',
      username: 'u',
      rotation_period: '1h',
    });
    const asDynamic = await failure('update', 'roles/other', {
      db_name: 'pg',
      creation_statements: ['CREATE ROLE "{{name}}"'],
    });
    expect([asDynamic.status, asDynamic.message]).toEqual([
      400,
      'Role and Static Role names must be unique',
    ]);
  });

  it('checks the connection and its allowed_roles for static roles and dynamic credentials', async () => {
    await connect('pg', 'allowed-*');
    const unknown = await failure('update', 'static-roles/allowed-x', {
      db_name: 'nope',
      username: 'u',
      rotation_period: '1h',
    });
    expect(unknown.message).toBe('no database connection named "nope"');
    const refused = await failure('update', 'static-roles/app', {
      db_name: 'pg',
      username: 'u',
      rotation_period: '1h',
    });
    expect([refused.status, refused.message]).toEqual([400, '"app" is not an allowed role']);
    expect((await failure('read', 'static-roles/app')).status).toBe(404);

    // A dynamic role is stored whatever its connection; issuing checks it.
    await request('update', 'roles/dyn', {
      db_name: 'pg',
      creation_statements: ['CREATE ROLE "{{name}}"'],
    });
    const creds = await failure('read', 'creds/dyn');
    expect([creds.status, creds.message]).toEqual([400, '"dyn" is not an allowed role']);
    await request('update', 'roles/allowed-dyn', {
      db_name: 'pg',
      creation_statements: ['CREATE ROLE "{{name}}"'],
    });
    expect((await request('read', 'creds/allowed-dyn'))?.data).toMatchObject({
      username: expect.stringMatching(/^allowed-dyn-/) as unknown,
    });
  });

  it('does not create a static role whose first rotation fails', async () => {
    await connect('pg', '*');
    failSetPassword = true;
    const error = await failure('update', 'static-roles/app', {
      db_name: 'pg',
      username: 'u',
      rotation_period: '1h',
    });
    expect(error.message).toBe('fake: cannot alter the user');
    expect((await failure('read', 'static-roles/app')).status).toBe(404);
    expect((await failure('list', 'static-roles/')).status).toBe(404);
  });

  it('answers reset and rotate-root for an unknown connection with a 400', async () => {
    for (const path of ['reset/nope', 'rotate-root/nope']) {
      const error = await failure('update', path);
      expect([error.status, error.message]).toEqual([400, 'no database connection named "nope"']);
    }
    await connect('pg', '*');
    await request('update', 'reset/pg');
    await request('update', 'rotate-root/pg');
    expect((await request('read', 'config/pg'))?.data).not.toHaveProperty('password');
    expect(harness.captured.text()).not.toContain(ADMIN_PASSWORD);
  });
});
