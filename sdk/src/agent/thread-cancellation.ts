/**
 * Cancellation of the runs of conversation threads. Only runs active at the time of `cancel` are aborted: a
 * cancel for an idle thread is not remembered, so a cancel left over from an earlier run never cancels a new run.
 */
export class ThreadCancellation {
  private readonly active = new Map<string, Set<AbortController>>();

  /** Registers an active run of `threadId`; returns a function to call when the run ends. */
  track(threadId: string, controller: AbortController): () => void {
    let runs = this.active.get(threadId);
    if (runs === undefined) {
      runs = new Set();
      this.active.set(threadId, runs);
    }
    runs.add(controller);
    return () => {
      runs.delete(controller);
      if (runs.size === 0 && this.active.get(threadId) === runs) this.active.delete(threadId);
    };
  }

  /** Aborts the active runs of `threadId`; returns how many were aborted. */
  cancel(threadId: string, reason?: unknown): number {
    const runs = this.active.get(threadId);
    if (runs === undefined) return 0;
    const aborted = [...runs];
    for (const controller of aborted) controller.abort(reason);
    return aborted.length;
  }

  /** Threads with an active run. */
  get activeThreads(): number {
    return this.active.size;
  }
}
