/**
 * A circuit breaker for one provider.
 *
 * closed -> open after `failureThreshold` consecutive transient failures. open -> half-open once
 * `cooldownMs` has passed, lazily, when the next call asks (no timer to cancel). half-open lets
 * exactly one trial call through: its success closes the circuit, its failure reopens it for
 * another cooldown. While open, `tryAcquire` refuses and the caller must not call the provider.
 */
import type { Clock } from '@strongroom/protocol';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  readonly failureThreshold: number;
  readonly cooldownMs: number;
  readonly clock: Pick<Clock, 'now'>;
  /** Called on every transition into `open` or `closed`. Must not throw. */
  readonly onTransition?: (state: 'open' | 'closed') => void;
}

export class CircuitBreaker {
  readonly #options: CircuitBreakerOptions;
  #state: CircuitState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #trialInFlight = false;

  constructor(options: CircuitBreakerOptions) {
    this.#options = options;
  }

  get state(): CircuitState {
    return this.#state;
  }

  /** Whether a call may go to the provider now. A true answer in half-open claims the trial. */
  tryAcquire(): boolean {
    switch (this.#state) {
      case 'closed':
        return true;
      case 'open':
        if (this.#options.clock.now() - this.#openedAt < this.#options.cooldownMs) return false;
        this.#state = 'half-open';
        this.#trialInFlight = true;
        return true;
      case 'half-open':
        if (this.#trialInFlight) return false;
        this.#trialInFlight = true;
        return true;
    }
  }

  /** The provider answered (with a value, or with a definite answer such as "not found"). */
  recordSuccess(): void {
    this.#failures = 0;
    this.#trialInFlight = false;
    if (this.#state !== 'closed') {
      this.#state = 'closed';
      this.#options.onTransition?.('closed');
    }
  }

  /** A call failed transiently (timeout, connection error, 5xx, 429). */
  recordFailure(): void {
    this.#trialInFlight = false;
    this.#failures++;
    if (this.#state === 'half-open' || this.#failures >= this.#options.failureThreshold) {
      const wasOpen = this.#state === 'open';
      this.#state = 'open';
      this.#openedAt = this.#options.clock.now();
      if (!wasOpen) this.#options.onTransition?.('open');
    }
  }
}
