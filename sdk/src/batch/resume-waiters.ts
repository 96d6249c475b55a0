interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Callers waiting for a paused batch to resume; each wait can be cut short by its own signal. */
export class ResumeWaiters {
  private readonly waiters = new Set<Waiter>();

  /** Resolves on `resolveAll()`, rejects on `rejectAll()` or when `signal` aborts (with its reason). */
  wait(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.waiters.delete(waiter);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: error => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      this.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  resolveAll(): void {
    for (const w of this.waiters) w.resolve();
    this.waiters.clear();
  }

  rejectAll(error: unknown): void {
    for (const w of this.waiters) w.reject(error);
    this.waiters.clear();
  }
}
