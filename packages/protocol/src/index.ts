export { DurationError, formatDuration, parseDuration, parseDurationSeconds } from './duration.ts';
export { ManualClock, SystemClock, sleep, systemClock } from './clock.ts';
export type { Clock, Timer } from './clock.ts';
export { isVaultErrorBody } from './envelope.ts';
export type {
  VaultAuth,
  VaultErrorBody,
  VaultListData,
  VaultResponse,
  VaultWrapInfo,
} from './envelope.ts';
