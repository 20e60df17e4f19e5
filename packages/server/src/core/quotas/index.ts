export { DEFAULT_EXEMPT_PATHS, RateLimitQuotas } from './rate-limit.ts';
export type { RateLimitQuota } from './rate-limit.ts';
