/**
 * Runs a synchronous storage operation and reports its outcome as a promise, so a failure is
 * always a rejection and never a synchronous throw out of a method that returns a promise.
 */
export function settle<T>(operation: () => T): Promise<T> {
  try {
    return Promise.resolve(operation());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
