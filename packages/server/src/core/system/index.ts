export {
  SYSTEM_SEALED_PATHS,
  SYSTEM_UNAUTHENTICATED_PATHS,
  createSystemBackend,
} from './backend.ts';
export type { InitResult, SealStatus, SystemDeps } from './deps.ts';
export { mountView } from './path-mounts.ts';
