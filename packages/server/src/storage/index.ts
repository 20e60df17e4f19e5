export { CachedStorage } from './cache.ts';
export { compareKeys } from './keys.ts';
export { MemoryStorage } from './memory.ts';
export {
  DEFAULT_DATABASE_FILE,
  PHYSICAL_STORAGE_KINDS,
  isPhysicalStorageKind,
  openPhysicalStorage,
  resolveDatabasePath,
} from './open.ts';
export type { PhysicalStorageKind, PhysicalStorageOptions } from './open.ts';
export { SqliteStorage } from './sqlite.ts';
export type { SqliteStorageOptions } from './sqlite.ts';
