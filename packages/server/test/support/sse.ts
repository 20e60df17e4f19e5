/**
 * A Server-Sent Events reader for the integration tests: a real `fetch` over loopback and a
 * streaming reader of its body, split into frames. Tests wait on frames with promises and a
 * timeout, never on fixed sleeps.
 */

/** One SSE frame: its raw text (as received) and the parsed JSON of its `data:` lines. */
export interface SseFrame {
  readonly raw: string;
  readonly event: string | undefined;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  readonly data: any;
}

/** A refused subscription: the status and body of the answer. */
export interface SseRefusal {
  readonly status: number;
  readonly text: string;
}

export const END_OF_STREAM = Symbol('end of stream');

type Outcome = { frame: SseFrame } | { end: true } | { error: unknown };
type Waiter = (outcome: Outcome) => void;

export class SseStream {
  readonly status: number;
  readonly headers: Headers;
  /** Every frame's raw text received so far, in order. */
  readonly rawFrames: string[] = [];
  readonly #controller: AbortController;
  /**
   * Held for the stream's life: undici cancels the body of a Response that is garbage collected
   * while its body is unread, which would close a `read: false` subscription behind our back.
   */
  readonly #response: Response;
  #reading = false;
  readonly #frames: SseFrame[] = [];
  #waiter: Waiter | undefined;
  #ended = false;
  #failure: unknown;

  private constructor(response: Response, controller: AbortController, read: boolean) {
    this.status = response.status;
    this.headers = response.headers;
    this.#controller = controller;
    this.#response = response;
    if (read) this.resume();
  }

  /**
   * Subscribes to `sys/events/subscribe/<type>`. Resolves once the server has answered the
   * headers (the subscription exists by then), or with the refusal's status and body.
   * `read: false` leaves the body unread (a subscriber that never reads).
   */
  static async open(
    address: string,
    eventType: string,
    token: string | undefined,
    options: { read?: boolean } = {},
  ): Promise<SseStream | SseRefusal> {
    const controller = new AbortController();
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (token !== undefined) headers['X-Vault-Token'] = token;
    const response = await fetch(`${address}/v1/sys/events/subscribe/${eventType}`, {
      headers,
      signal: controller.signal,
    });
    if (response.status !== 200) {
      return { status: response.status, text: await response.text() };
    }
    return new SseStream(response, controller, options.read ?? true);
  }

  /** Opens a subscription that must succeed. */
  static async subscribe(
    address: string,
    eventType: string,
    token: string,
    options: { read?: boolean } = {},
  ): Promise<SseStream> {
    const stream = await SseStream.open(address, eventType, token, options);
    if (!(stream instanceof SseStream)) {
      throw new Error(`subscribe ${eventType} answered ${stream.status}: ${stream.text}`);
    }
    return stream;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /**
   * The next data frame, or END_OF_STREAM once the server has ended the stream. Rejects after
   * `timeoutMs` without either.
   */
  next(timeoutMs = 10_000): Promise<SseFrame | typeof END_OF_STREAM> {
    const queued = this.#frames.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#failure !== undefined) return Promise.reject(toError(this.#failure));
    if (this.#ended) return Promise.resolve(END_OF_STREAM);
    if (this.#waiter !== undefined) return Promise.reject(new Error('one next() at a time'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new Error(`no event and no end of stream within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiter = (outcome) => {
        clearTimeout(timer);
        this.#waiter = undefined;
        if ('frame' in outcome) resolve(outcome.frame);
        else if ('end' in outcome) resolve(END_OF_STREAM);
        else reject(toError(outcome.error));
      };
    });
  }

  /** The next data frame; rejects on end of stream or timeout. */
  async nextEvent(timeoutMs = 10_000): Promise<SseFrame> {
    const frame = await this.next(timeoutMs);
    if (frame === END_OF_STREAM) throw new Error('the stream ended before the next event');
    return frame;
  }

  /** Skips frames (e.g. of other tests' writes) until one matches. */
  async nextMatching(
    predicate: (frame: SseFrame) => boolean,
    timeoutMs = 10_000,
  ): Promise<SseFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = await this.nextEvent(Math.max(1, deadline - Date.now()));
      if (predicate(frame)) return frame;
    }
  }

  /** Resolves when the server ends the stream, skipping any frames still buffered. */
  async waitForEnd(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = await this.next(Math.max(1, deadline - Date.now()));
      if (frame === END_OF_STREAM) return;
    }
  }

  /** Starts reading (a stream opened with `read: false`); idempotent. */
  resume(): void {
    const body = this.#response.body;
    if (this.#reading || body === null) return;
    this.#reading = true;
    void this.#pump(body);
  }

  /** Closes the connection from the client side. */
  close(): void {
    this.#controller.abort();
  }

  async #pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let boundary = buffer.indexOf('\n\n');
        while (boundary !== -1) {
          const raw = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          this.#frame(raw);
          boundary = buffer.indexOf('\n\n');
        }
      }
    } catch (error) {
      // Our own abort is an orderly end; anything else fails the waiting test.
      if (!this.#controller.signal.aborted) this.#failure = error;
    }
    this.#ended = true;
    this.#waiter?.(this.#failure === undefined ? { end: true } : { error: this.#failure });
  }

  #frame(raw: string): void {
    const lines = raw.split('\n');
    const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart());
    if (data.length === 0) return; // a comment (heartbeat) or an empty frame
    this.rawFrames.push(raw);
    const eventLine = lines.find((l) => l.startsWith('event:'));
    const frame: SseFrame = {
      raw,
      event: eventLine?.slice(6).trim(),
      data: JSON.parse(data.join('\n')) as unknown,
    };
    const waiter = this.#waiter;
    if (waiter !== undefined) waiter({ frame });
    else this.#frames.push(frame);
  }
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
