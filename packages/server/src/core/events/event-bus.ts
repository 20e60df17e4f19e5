/**
 * Change events: what engines announced (`LogicalResponse.events`), delivered to subscribers of
 * `sys/events/subscribe/<type>` as CloudEvents JSON, in Vault's shape.
 *
 * Contracts:
 * - An event carries the path, version and mount, never a value.
 * - Authorization happens at delivery time, per event: the subscriber's token must still be
 *   valid and allowed to `read` the event's data path. A revoked token stops receiving at once.
 * - Each subscriber has a bounded queue. A subscriber that falls `maxQueued` events behind is
 *   dropped (its stream is closed) instead of growing memory without bound.
 * - Publishing never waits for subscribers and never fails a request.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '@strongroom/protocol';
import type { MountInfo } from '../../logical/backend.ts';
import type { RequestAuth } from '../../logical/request.ts';
import type { ChangeEvent } from '../../logical/response.ts';

/** Vault's event envelope (CloudEvents 1.0). */
export interface CloudEvent {
  readonly id: string;
  readonly source: string;
  readonly specversion: '1.0';
  readonly type: string;
  readonly datacontentype: 'application/cloudevents';
  readonly time: string;
  readonly data: {
    readonly event: { readonly id: string; readonly metadata: Record<string, string> };
    readonly event_type: string;
    readonly plugin_info: {
      readonly mount_class: string;
      readonly mount_accessor: string;
      readonly mount_path: string;
      readonly plugin: string;
    };
  };
}

/** Re-checks a subscriber's right to an event, at delivery time. */
export interface EventAuthorizer {
  /** The caller, if the token (by hash) is still valid. */
  current(tokenHash: string): Promise<RequestAuth | undefined>;
  canRead(auth: RequestAuth, path: string): Promise<boolean>;
}

export interface Subscription {
  /** Resolves with the next event, or undefined when the subscription has ended. */
  next(): Promise<CloudEvent | undefined>;
  /** Why it ended, once it has: `closed`, `token revoked`, `too slow`. */
  readonly endReason: string | undefined;
  /**
   * Settles with the reason when the subscription ends, whether or not anyone is waiting in
   * `next()` (a stream writer blocked on a full socket learns here that it was dropped).
   */
  readonly done: Promise<string>;
  close(): void;
}

interface Subscriber {
  readonly pattern: RegExp;
  readonly tokenHash: string;
  readonly queue: CloudEvent[];
  waiter: ((event: CloudEvent | undefined) => void) | undefined;
  ended: string | undefined;
  readonly resolveDone: (reason: string) => void;
  /** Deliveries in flight for this subscriber, kept in publish order. */
  chain: Promise<void>;
}

export interface EventBusOptions {
  readonly clock: Clock;
  readonly authorizer: EventAuthorizer;
  /** Events a subscriber may fall behind before it is dropped. Default 1000. */
  readonly maxQueued?: number;
  readonly source?: string;
}

/** `kv*` and `*` globs, as Vault's subscribe endpoint takes them. */
function typePattern(type: string): RegExp {
  const escaped = type.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

export class EventBus {
  readonly #clock: Clock;
  readonly #authorizer: EventAuthorizer;
  readonly #maxQueued: number;
  readonly #source: string;
  readonly #subscribers = new Set<Subscriber>();

  constructor(options: EventBusOptions) {
    this.#clock = options.clock;
    this.#authorizer = options.authorizer;
    this.#maxQueued = options.maxQueued ?? 1000;
    this.#source = options.source ?? 'strongroom://server';
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  subscribe(eventType: string, auth: RequestAuth): Subscription {
    let resolveDone: (reason: string) => void = () => undefined;
    const done = new Promise<string>((resolve) => {
      resolveDone = resolve;
    });
    const subscriber: Subscriber = {
      pattern: typePattern(eventType),
      tokenHash: auth.tokenHash,
      queue: [],
      waiter: undefined,
      ended: undefined,
      resolveDone,
      chain: Promise.resolve(),
    };
    this.#subscribers.add(subscriber);
    return {
      next: () => {
        const queued = subscriber.queue.shift();
        if (queued !== undefined) return Promise.resolve(queued);
        if (subscriber.ended !== undefined) return Promise.resolve(undefined);
        return new Promise((resolve) => {
          subscriber.waiter = resolve;
        });
      },
      get endReason() {
        return subscriber.ended;
      },
      done,
      close: () => {
        this.#end(subscriber, 'closed');
      },
    };
  }

  /** Announces the events of one response. Never throws, never waits. */
  publish(events: readonly ChangeEvent[], mount: MountInfo): void {
    for (const change of events) {
      const event = this.#envelope(change, mount);
      for (const subscriber of this.#subscribers) {
        if (!subscriber.pattern.test(change.type)) continue;
        // Per-subscriber chain: authorization is async, order must still be publish order.
        subscriber.chain = subscriber.chain.then(() => this.#deliver(subscriber, event, change));
      }
    }
  }

  /** Ends every subscription (seal, shutdown). */
  closeAll(reason = 'closed'): void {
    for (const subscriber of this.#subscribers) this.#end(subscriber, reason);
  }

  async #deliver(subscriber: Subscriber, event: CloudEvent, change: ChangeEvent): Promise<void> {
    if (subscriber.ended !== undefined) return;
    try {
      const auth = await this.#authorizer.current(subscriber.tokenHash);
      if (auth === undefined) {
        this.#end(subscriber, 'token revoked');
        return;
      }
      if (!(await this.#authorizer.canRead(auth, change.dataPath))) return;
    } catch {
      // A failed check delivers nothing; the subscription itself stays.
      return;
    }
    // The subscription may have ended while the checks above were awaited.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    if (subscriber.ended !== undefined) return;
    const waiter = subscriber.waiter;
    if (waiter !== undefined) {
      subscriber.waiter = undefined;
      waiter(event);
      return;
    }
    if (subscriber.queue.length >= this.#maxQueued) {
      this.#end(subscriber, 'too slow');
      return;
    }
    subscriber.queue.push(event);
  }

  #end(subscriber: Subscriber, reason: string): void {
    if (subscriber.ended !== undefined) return;
    subscriber.ended = reason;
    subscriber.queue.length = 0;
    this.#subscribers.delete(subscriber);
    const waiter = subscriber.waiter;
    subscriber.waiter = undefined;
    waiter?.(undefined);
    subscriber.resolveDone(reason);
  }

  #envelope(change: ChangeEvent, mount: MountInfo): CloudEvent {
    const id = randomUUID();
    const metadata: Record<string, string> = {
      ...change.metadata,
      path: change.metadata?.path ?? change.dataPath,
      data_path: change.dataPath,
    };
    if (change.version !== undefined) metadata.current_version = String(change.version);
    return {
      id,
      source: this.#source,
      specversion: '1.0',
      type: '*',
      datacontentype: 'application/cloudevents',
      time: new Date(this.#clock.now()).toISOString(),
      data: {
        event: { id, metadata },
        event_type: change.type,
        plugin_info: {
          mount_class: mount.kind,
          mount_accessor: mount.accessor,
          mount_path: mount.path,
          plugin: mount.type,
        },
      },
    };
  }
}
