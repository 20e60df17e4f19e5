import { describe, expect, it } from 'vitest';
import { LogicalError } from '../../../logical/errors.ts';
import type { ConnectionSettings } from '../plugin.ts';
import { lazyPool } from './pool.ts';
import { runInTransaction, userValues } from './statements.ts';

const settings: ConnectionSettings = {
  connectionUrl: 'postgresql://{{username}}:{{password}}@db.internal:5432/app',
  username: 'admin',
  password: 'admin-secret-password',
  maxOpenConnections: 0,
  maxIdleConnections: 0,
  maxConnectionLifetimeMs: 0,
};

describe('runInTransaction', () => {
  it('templates each query between begin and COMMIT', async () => {
    const sent: string[] = [];
    await runInTransaction(
      { query: (sql) => Promise.resolve(sent.push(sql)) },
      'START TRANSACTION',
      [`CREATE USER '{{name}}' IDENTIFIED BY '{{password}}'`, `GRANT ALL TO '{{username}}'`],
      userValues('u1', { password: 'p1' }),
    );
    expect(sent).toEqual([
      'START TRANSACTION',
      `CREATE USER 'u1' IDENTIFIED BY 'p1'`,
      `GRANT ALL TO 'u1'`,
      'COMMIT',
    ]);
  });

  it('rolls back and rethrows the failing statement error, even when ROLLBACK fails', async () => {
    const sent: string[] = [];
    const failure = new Error('boom');
    const query = (sql: string): Promise<unknown> => {
      sent.push(sql);
      return sql === 'BAD' || sql === 'ROLLBACK' ? Promise.reject(failure) : Promise.resolve();
    };
    await expect(runInTransaction({ query }, 'BEGIN', ['OK', 'BAD', 'NEVER'], {})).rejects.toBe(
      failure,
    );
    expect(sent).toEqual(['BEGIN', 'OK', 'BAD', 'ROLLBACK']);
  });
});

describe('lazyPool', () => {
  it('builds the pool once, releases connections, and closes idempotently', async () => {
    const events: string[] = [];
    const pool = lazyPool(settings, {
      open: (parsed) => {
        events.push(`open ${parsed.host} ${parsed.user ?? ''}`);
        return { end: () => Promise.resolve(void events.push('end')) };
      },
      acquire: () => Promise.resolve({ release: () => void events.push('release') }),
    });
    await pool.withConnection('first', [], () => Promise.resolve());
    await pool.withConnection('second', [], () => Promise.resolve());
    await pool.close();
    await pool.close();
    expect(events).toEqual(['open db.internal admin', 'release', 'release', 'end']);
  });

  it('redacts the admin password and extra secrets from failures', async () => {
    const pool = lazyPool(settings, {
      open: () => ({ end: () => Promise.resolve() }),
      acquire: () => Promise.resolve({ release: () => undefined }),
    });
    const error: unknown = await pool
      .withConnection('unable to create user', ['user-secret-password'], () =>
        Promise.reject(new Error('denied: admin-secret-password user-secret-password')),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogicalError);
    expect((error as LogicalError).message).toBe(
      'unable to create user: denied: [redacted] [redacted]',
    );
  });

  it('reports an unparsable connection_url as a 400 without opening a pool', async () => {
    let opened = false;
    const pool = lazyPool(
      { ...settings, connectionUrl: 'not a url with admin-secret-password' },
      {
        open: () => {
          opened = true;
          return { end: () => Promise.resolve() };
        },
        acquire: () => Promise.resolve({ release: () => undefined }),
      },
    );
    const error: unknown = await pool
      .withConnection('error verifying connection', [], () => Promise.resolve())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogicalError);
    expect((error as LogicalError).status).toBe(400);
    expect((error as LogicalError).message).toMatch(/^invalid connection_url: /);
    expect((error as LogicalError).message).not.toContain('admin-secret-password');
    expect(opened).toBe(false);
  });
});
