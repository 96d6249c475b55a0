/**
 * The reads of a stream that wait for a chunk, so that cutting the stream rejects every one of them: a consumer may
 * call `next()` again before the previous read settled (iterator helpers, `Promise.all` over reads). One pending
 * read, the usual case, takes no allocation.
 */
export class PendingReads {
  private first: ((error: unknown) => void) | undefined;
  private more: Set<(error: unknown) => void> | undefined;

  /** Whether a read is waiting. */
  get waiting(): boolean {
    return this.first !== undefined || (this.more !== undefined && this.more.size > 0);
  }

  /** Adds a waiting read's `reject`. */
  add(reject: (error: unknown) => void): void {
    if (this.first === undefined) {
      this.first = reject;
      return;
    }
    this.more ??= new Set();
    this.more.add(reject);
  }

  /** Removes a read that settled. */
  remove(reject: (error: unknown) => void): void {
    if (this.first === reject) this.first = undefined;
    else this.more?.delete(reject);
  }

  /** Rejects every waiting read with `error`. */
  rejectAll(error: unknown): void {
    const first = this.first;
    const more = this.more;
    this.first = undefined;
    this.more = undefined;
    first?.(error);
    if (more !== undefined) for (const reject of more) reject(error);
  }
}
