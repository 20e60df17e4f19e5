export { ConfigError, loadConfigFile, parseConfig } from './config.ts';
export type { ListenerConfig, LogLevel, ServerConfig, StorageConfig } from './config.ts';
