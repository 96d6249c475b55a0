interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Serialises writes to one store and groups them (group commit): commits submitted while a write is in flight
 * are all saved by the next single write. Each `submit` resolves once a write that STARTED after it was submitted
 * has finished, so a resolved commit is always covered by a completed write.
 *
 * Fail-stop: after a write fails, that write's commits and every later one reject with the same error (after a
 * failed fsync nobody can say what reached the disk; the owner must reopen from the last durable state).
 */
export class CommitQueue<R> {
  private waiters: Waiter[] = [];
  private records: R[] = [];
  private draining: Promise<void> | undefined;
  private failure: { readonly error: unknown } | undefined;

  /** @param write Saves the latest state and appends `records`, in order; called one at a time. */
  constructor(private readonly write: (records: R[]) => Promise<void>) {}

  /** Queues `records` (and a save of the latest state); resolves when they are durable. */
  submit(records: readonly R[]): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure.error);
    for (const r of records) this.records.push(r);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.draining ??= this.drain();
    return done;
  }

  /** Resolves when nothing is queued or being written (never rejects). */
  async idle(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
  }

  /** The error that stopped the queue, if any. */
  get failed(): { readonly error: unknown } | undefined {
    return this.failure;
  }

  private async drain(): Promise<void> {
    // Let commits submitted in the same tick join the first write.
    await Promise.resolve();
    try {
      while (this.waiters.length > 0) {
        const waiters = this.waiters;
        const records = this.records;
        this.waiters = [];
        this.records = [];
        try {
          await this.write(records);
        } catch (error) {
          this.failure = { error };
          for (const w of [...waiters, ...this.waiters]) w.reject(error);
          this.waiters = [];
          this.records = [];
          return;
        }
        for (const w of waiters) w.resolve();
      }
    } finally {
      this.draining = undefined;
    }
  }
}
