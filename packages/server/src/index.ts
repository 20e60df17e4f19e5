export { builtinBackends } from './builtin.ts';
export { ConfigError, loadConfigFile, parseConfig } from './config/index.ts';
export type { ServerConfig } from './config/index.ts';
export { Core, STRONGROOM_VERSION } from './core/core.ts';
export type { CoreOptions } from './core/core.ts';
export { DEV_CONFIG, splitAddress, startServer } from './server.ts';
export type { DevOptions, RunningServer, StartServerOptions } from './server.ts';
export * from './framework/index.ts';
export * from './logical/index.ts';
