export { createDatabaseBackend, databaseBackendFactory } from './backend.ts';
export type { DatabaseBackendOptions } from './backend.ts';
export { PLUGIN_NAMES, isPluginName } from './plugin.ts';
export type {
  ConnectionSettings,
  DatabasePlugin,
  NewUserInput,
  PluginContext,
  PluginFactory,
  PluginName,
} from './plugin.ts';
export { CREDS_SECRET_TYPE } from './secret-creds.ts';
export { sanitizeMessage } from './sanitize.ts';
export {
  MYSQL_LEGACY_USERNAME_TEMPLATE,
  MYSQL_USERNAME_TEMPLATE,
  POSTGRES_USERNAME_TEMPLATE,
  generateUsername,
} from './username.ts';
export { generatePassword } from './password.ts';
