/** Local providers: a scriptable mock, the environment, and JSON/dotenv files. */
export { DotenvSyntaxError, parseDotenv } from './dotenv.ts';
export { EnvProvider, envVarName } from './env-provider.ts';
export type { EnvJsonMode, EnvProviderOptions } from './env-provider.ts';
export { FileProvider, FileUnavailableError } from './file-provider.ts';
export type { FileFormat, FileProviderOptions } from './file-provider.ts';
export { MockProvider } from './mock-provider.ts';
export type {
  MockFailureKind,
  MockFetchLogEntry,
  MockFetchOutcome,
  MockLeaseOptions,
  MockNextOptions,
  MockProviderOptions,
} from './mock-provider.ts';
