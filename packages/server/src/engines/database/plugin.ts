/**
 * The database plugin contract: what the engine needs from one kind of database.
 *
 * A plugin instance owns one connection pool for one `config/<name>`, authenticated as the
 * config's admin user. Every method:
 * - throws only sanitized `LogicalError`s (see sanitize.ts): no password, no credentialed URL,
 *   no `cause`;
 * - runs the caller's statements split and templated by template.ts, or the plugin's default
 *   when the caller gives none.
 */
import type { Logger } from 'pino';

export const PLUGIN_NAMES = [
  'postgresql-database-plugin',
  'mysql-database-plugin',
  'mysql-rds-database-plugin',
  'mysql-aurora-database-plugin',
  'mysql-legacy-database-plugin',
] as const;

export type PluginName = (typeof PLUGIN_NAMES)[number];

export function isPluginName(value: string): value is PluginName {
  return (PLUGIN_NAMES as readonly string[]).includes(value);
}

export interface ConnectionSettings {
  /** The template, with `{{username}}`/`{{password}}` placeholders (or literal credentials). */
  readonly connectionUrl: string;
  readonly username: string;
  /** The admin password. Never logged, never in an error. */
  readonly password: string;
  /** Pool size (Vault's default: 4). */
  readonly maxOpenConnections: number;
  /** Idle connections kept (0 = the pool size). */
  readonly maxIdleConnections: number;
  /** A connection is closed after this long (0 = no limit). */
  readonly maxConnectionLifetimeMs: number;
}

export interface NewUserInput {
  readonly username: string;
  readonly password: string;
  /** Epoch milliseconds: the lease's expiry (PostgreSQL's `VALID UNTIL`). */
  readonly expiration: number;
  readonly statements: readonly string[];
  /** Run if creation fails part-way (MySQL cannot roll back DDL). */
  readonly rollbackStatements: readonly string[];
}

export interface DatabasePlugin {
  readonly pluginName: PluginName;
  /** The default `username_template`. */
  readonly defaultUsernameTemplate: string;
  /** Connects and runs a trivial query: config writes with `verify_connection`. */
  verify(): Promise<void>;
  /** Creates a user (in one transaction where the database allows it). */
  newUser(input: NewUserInput): Promise<void>;
  /** Moves a user's expiry (`renew_statements`, or the default; a no-op for MySQL). */
  renewUser(input: {
    readonly username: string;
    readonly expiration: number;
    readonly statements: readonly string[];
  }): Promise<void>;
  /**
   * Removes a user: `revocation_statements`, or the default (sessions ended, privileges and
   * ownership removed, user dropped). Succeeds when the user does not exist.
   */
  revokeUser(input: {
    readonly username: string;
    readonly statements: readonly string[];
  }): Promise<void>;
  /** Sets a user's password (static roles): `rotation_statements` or the default. */
  setPassword(input: {
    readonly username: string;
    readonly password: string;
    readonly statements: readonly string[];
  }): Promise<void>;
  /** Sets the admin user's own password (rotate-root): `root_rotation_statements` or default. */
  rotateRootPassword(input: {
    readonly password: string;
    readonly statements: readonly string[];
  }): Promise<void>;
  /** Closes the pool. Idempotent. */
  close(): Promise<void>;
}

export interface PluginContext {
  readonly logger: Logger;
}

export type PluginFactory = (
  name: PluginName,
  settings: ConnectionSettings,
  context: PluginContext,
) => DatabasePlugin;
