/**
 * The KV secrets engine: register `kvBackendFactory` for the mount types `kv` and `generic`.
 */
export { createKvBackend, kvBackendFactory, kvVersionOf } from './backend.ts';
export type { KvVersion } from './backend.ts';
export { mergePatch } from './merge-patch.ts';
