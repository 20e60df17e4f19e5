/**
 * Runs `operation` and reports its outcome as a promise, so a failure is always a rejection and
 * never a synchronous throw out of a method that returns a promise. A promise the operation
 * returns is handed on as it is (no extra turn of the microtask queue, as an async function
 * returning it would take).
 */
export function settle<T>(operation: () => T | PromiseLike<T>): Promise<T> {
  try {
    return Promise.resolve(operation());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
