/**
 * The engine's state for one mount: a plugin (connection pool) per `config/<name>`, and per-key
 * locks that serialise writes which read-modify-write one storage entry (config rotation, static
 * role rotation vs. edits).
 *
 * Ownership: plugins are created here and closed here (on config rewrite, delete, reset, and in
 * `closeAll` when the mount is cleaned up). Nothing else closes a pool.
 */
import type { Logger } from 'pino';
import { KeyedLock } from '../../framework/keyed-lock.ts';
import { badRequest } from '../../logical/errors.ts';
import type { Storage } from '../../logical/storage.ts';
import type { DatabasePlugin, PluginFactory } from './plugin.ts';
import { createMysqlPlugin } from './plugins/mysql.ts';
import { createPostgresPlugin } from './plugins/postgres.ts';
import { generatePassword } from './password.ts';
import { requireConnection, roleAllowed } from './records.ts';
import type { ConnectionEntry } from './records.ts';

/** Picks the driver by plugin name. */
export const defaultPluginFactory: PluginFactory = (name, settings, context) =>
  name === 'postgresql-database-plugin'
    ? createPostgresPlugin(name, settings, context)
    : createMysqlPlugin(name, settings, context);

export interface EngineDeps {
  /** The mount's storage view (background work has no request context). */
  readonly storage: Storage;
  readonly logger: Logger;
  readonly pluginFactory?: PluginFactory;
  /** Passwords from a named policy (`sys/policies/password/<name>`), when the server has them. */
  readonly generatePassword?: (policyName: string) => Promise<string>;
}

interface Installed {
  readonly entry: ConnectionEntry;
  readonly plugin: DatabasePlugin;
}

export class DatabaseEngine {
  readonly storage: Storage;
  readonly logger: Logger;
  readonly #factory: PluginFactory;
  readonly #policyPassword: ((policyName: string) => Promise<string>) | undefined;
  readonly #plugins = new Map<string, Installed>();
  readonly #locks = new KeyedLock();
  #closed = false;

  constructor(deps: EngineDeps) {
    this.storage = deps.storage;
    this.logger = deps.logger;
    this.#factory = deps.pluginFactory ?? defaultPluginFactory;
    this.#policyPassword = deps.generatePassword;
  }

  /**
   * A new password for a connection's users: from its `password_policy` when set (failing
   * rather than silently falling back to a weaker default), else Vault's default form.
   */
  async password(entry: Pick<ConnectionEntry, 'passwordPolicy'>): Promise<string> {
    if (entry.passwordPolicy === '') return generatePassword();
    if (this.#policyPassword === undefined) {
      throw badRequest('password policies are not available on this server');
    }
    return this.#policyPassword(entry.passwordPolicy);
  }

  /** A plugin for `entry` that is not yet installed (config writes verify it first). */
  createPlugin(entry: ConnectionEntry): DatabasePlugin {
    return this.#factory(
      entry.pluginName,
      {
        connectionUrl: entry.connectionUrl,
        username: entry.username,
        password: entry.password,
        maxOpenConnections: entry.maxOpenConnections,
        maxIdleConnections: entry.maxIdleConnections,
        maxConnectionLifetimeMs: entry.maxConnectionLifetimeMs,
      },
      { logger: this.logger.child({ connection: entry.name }) },
    );
  }

  /** The installed plugin for a connection, created from storage on first use. */
  async connection(name: string): Promise<Installed> {
    const installed = this.#plugins.get(name);
    if (installed !== undefined) return installed;
    const entry = await requireConnection(this.storage, name);
    // Another caller may have installed one while storage was read.
    const raced = this.#plugins.get(name);
    if (raced !== undefined) return raced;
    const created = { entry, plugin: this.createPlugin(entry) };
    if (this.#closed) {
      await created.plugin.close();
      throw badRequest('the database engine is shutting down');
    }
    this.#plugins.set(name, created);
    return created;
  }

  /**
   * The installed plugin for connection `dbName`, for role `role` (dynamic or static): a 400
   * unless the connection's `allowed_roles` admit the role.
   */
  async connectionForRole(dbName: string, role: string): Promise<Installed> {
    const installed = await this.connection(dbName);
    if (!roleAllowed(installed.entry.allowedRoles, role)) {
      throw badRequest(`"${role}" is not an allowed role`);
    }
    return installed;
  }

  /** Installs `plugin` for `entry` (or removes the connection), closing the one it replaces. */
  async install(name: string, next: Installed | undefined): Promise<void> {
    const previous = this.#plugins.get(name);
    if (next === undefined) this.#plugins.delete(name);
    else this.#plugins.set(name, next);
    if (previous !== undefined && previous.plugin !== next?.plugin) await previous.plugin.close();
  }

  /** Closes every pool (mount cleanup). Later calls open new ones only after `reopen`. */
  async closeAll(): Promise<void> {
    this.#closed = true;
    const all = [...this.#plugins.values()];
    this.#plugins.clear();
    await Promise.all(all.map((installed) => installed.plugin.close()));
  }

  /** Runs `fn` after every earlier `fn` for the same key has settled. */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.#locks.run(key, fn);
  }
}
