/**
 * Small I/O helpers shared by the devices.
 */

/**
 * Runs tasks one at a time, in order. A failed task does not stop the ones after it.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(task, task);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

/** A short, value-free description of an I/O failure: its code, else its message. */
export function describeIoError(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (error instanceof Error) return error.message;
  }
  return 'unknown error';
}
