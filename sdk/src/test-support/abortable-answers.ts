/** A downstream that answers after a while (on fake or real timers) and honours its signal, for pipeline tests. */

/**
 * A protected function that answers `value` after `ms`, or rejects with the abort reason as soon as its signal
 * aborts (clearing its timer). Each signal it receives is pushed to `log`.
 */
export function answerAfter<T>(ms: number, value: T, log: AbortSignal[] = []) {
  return ({ signal }: { signal: AbortSignal }): Promise<T> => {
    log.push(signal);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => resolve(value), ms);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    });
  };
}
