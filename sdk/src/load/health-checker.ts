import { unrefTimer } from './internal.js';

/** A user-supplied health check: resolves `true` (or nothing) when healthy; `false`, a throw or a timeout fail it. */
export type HealthCheck = (input: {
  readonly signal: AbortSignal;
}) => PromiseLike<boolean | undefined> | boolean | undefined;

/** Why a check failed (for logs and snapshots). */
export type HealthCheckFailure = 'returned_false' | 'threw' | 'timed_out';

/** The result of one check. */
export interface HealthCheckResult {
  readonly healthy: boolean;
  readonly failure?: HealthCheckFailure;
}

class HealthCheckTimeout extends Error {
  override readonly name = 'HealthCheckTimeout';
}

/**
 * Runs a health check every `intervalMs` (one at a time; the next is scheduled when one ends), each bounded by
 * `timeoutMs`: its signal aborts and the check counts as failed even if it ignores the signal. Timers are
 * `unref`'d, so they never keep the process alive; `dispose()` stops them and aborts a running check.
 */
export class HealthChecker {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<HealthCheckResult> | undefined;
  private controller: AbortController | undefined;
  private disposed = false;

  constructor(
    private readonly check: HealthCheck,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly onResult: (result: HealthCheckResult) => void,
  ) {}

  /** Starts the schedule: the first check runs after one interval. */
  start(): void {
    if (!this.disposed && this.timer === undefined) this.schedule();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runNow().finally(() => {
        if (!this.disposed) this.schedule();
      });
    }, this.intervalMs);
    unrefTimer(this.timer);
  }

  /** Runs a check now (or joins the one running) and reports its result. */
  runNow(): Promise<HealthCheckResult> {
    if (this.running !== undefined) return this.running;
    const running = this.runOnce().then(result => {
      this.running = undefined;
      if (!this.disposed) this.onResult(result);
      return result;
    });
    this.running = running;
    return running;
  }

  private runOnce(): Promise<HealthCheckResult> {
    const controller = new AbortController();
    this.controller = controller;
    return new Promise<HealthCheckResult>(resolve => {
      const settle = (result: HealthCheckResult): void => {
        clearTimeout(timeout);
        controller.signal.removeEventListener('abort', onAbort);
        resolve(result);
      };
      // A timeout (or dispose) settles the check at once, even if it ignores its signal.
      const onAbort = (): void => settle({ healthy: false, failure: 'timed_out' });
      controller.signal.addEventListener('abort', onAbort, { once: true });
      const timeout = setTimeout(
        () => controller.abort(new HealthCheckTimeout(`Health check timed out after ${this.timeoutMs}ms`)),
        this.timeoutMs,
      );
      unrefTimer(timeout);
      try {
        Promise.resolve(this.check({ signal: controller.signal })).then(
          value =>
            settle(value === false ? { healthy: false, failure: 'returned_false' } : { healthy: true }),
          () => settle({ healthy: false, failure: 'threw' }),
        );
      } catch {
        settle({ healthy: false, failure: 'threw' });
      }
    }).finally(() => {
      if (this.controller === controller) this.controller = undefined;
    });
  }

  /** Stops the schedule and aborts a running check. */
  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.controller?.abort(new HealthCheckTimeout('Health checks stopped'));
  }
}
