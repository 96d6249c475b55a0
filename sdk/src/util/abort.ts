/** A signal that never aborts; we never add listeners to it (cockatiel's shared signal leaks listeners). */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

const noop = (): void => {};

/**
 * Makes `controller` abort when `parent` does. Returns a function that removes the link; costs nothing when
 * the parent can never abort.
 */
export function linkAbort(parent: AbortSignal, controller: AbortController): () => void {
  if (parent === NEVER_ABORTED) return noop;
  if (parent.aborted) {
    controller.abort(parent.reason);
    return noop;
  }
  const onAbort = (): void => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return () => parent.removeEventListener('abort', onAbort);
}

/**
 * Waits `ms` milliseconds, or rejects with `signal.reason` as soon as `signal` aborts (cockatiel's retry delay
 * ignores abort; this one does not).
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    let unlink = noop;
    const timer = setTimeout(() => {
      unlink();
      resolve();
    }, ms);
    if (signal !== NEVER_ABORTED) {
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      unlink = () => signal.removeEventListener('abort', onAbort);
    }
  });
}

/**
 * Settles like `promise`, or rejects with `signal.reason` as soon as `signal` aborts. A late rejection of
 * `promise` is handled (never unhandled).
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal === NEVER_ABORTED) return promise;
  if (signal.aborted) {
    promise.catch(noop);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      value => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      error => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
