export { backoffDelayMs } from './backoff.ts';
export { CircuitBreaker } from './circuit-breaker.ts';
export type { CircuitBreakerOptions, CircuitState } from './circuit-breaker.ts';
