export { LruMap } from './lru.ts';
export { entryState, entryWindow, jitteredTtlMs, refreshDelayMs, resolveTtlMs } from './timing.ts';
export type { EntryState, EntryWindow, RefreshTiming } from './timing.ts';
