/**
 * What the KV v2 paths share within one mount: the per-key locks that serialise
 * read-modify-write of a secret's metadata.
 */
import type { KeyedLock } from '../../framework/keyed-lock.ts';

export interface KvV2Deps {
  readonly locks: KeyedLock;
}

/** Lock name for everything that rewrites a secret's metadata or versions. */
export const secretLock = (path: string): string => `secret:${path}`;

/** Lock name for the engine configuration. */
export const CONFIG_LOCK = 'config';
