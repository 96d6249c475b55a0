import { linkAbort, onAbort } from '../util/abort.js';
import { ObservedStream } from './observed-stream.js';

/**
 * The model streams of one agent run that may outlive it: a run that returns its model stream (a chat endpoint
 * handing it to the response) resolves at the stream's commit, yet the run's signal and `agent.cancel(threadId)`
 * must still reach the stream. Each stream gets a signal following the run attempt's and the run's own (the user's
 * signal, the thread); the run keeps its links until its last stream ended ({@link whenIdle}).
 */
export class RunStreams {
  private open = 0;
  private idle: (() => void) | undefined;

  /** @param runSignal The run's own signal: the user's signal and the thread's cancellation, for the whole run. */
  constructor(private readonly runSignal: AbortSignal) {}

  /**
   * Opens a stream of the run: `open(signal)` gets a signal following `attemptSignal` (the run attempt's: its
   * timeouts while it runs) and the run's; the stream it resolves with is watched to its end (read to the end,
   * failed, stopped, or cut by that signal).
   */
  async track<C>(
    attemptSignal: AbortSignal,
    open: (signal: AbortSignal) => Promise<AsyncIterable<C>>,
  ): Promise<AsyncIterable<C>> {
    const controller = new AbortController();
    const unlinkAttempt = linkAbort(attemptSignal, controller);
    const unlinkRun = linkAbort(this.runSignal, controller);
    this.open++;
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      unlinkAttempt();
      unlinkRun();
      stopWatching();
      if (--this.open === 0 && this.idle !== undefined) this.idle();
    };
    const stopWatching = onAbort(controller.signal, close);
    try {
      return new ObservedStream(await open(controller.signal), close);
    } catch (error) {
      close();
      throw error;
    }
  }

  /** Runs `done` once no stream of the run is open any more (at once if none is). */
  whenIdle(done: () => void): void {
    if (this.open === 0) done();
    else this.idle = done;
  }
}
