import { diag } from '@opentelemetry/api';

/**
 * Runs `work` and resolves when it settles or after `timeoutMs`, whichever comes first; never rejects. A failure
 * (a rejection or a synchronous throw) and a timeout are reported through `diag`; a failure that comes after the
 * timeout is still reported, never left unhandled. The timer keeps the process alive, so an awaited shutdown
 * always finishes, at the latest after `timeoutMs`.
 */
export function settleWithin(
  what: string,
  timeoutMs: number,
  work: () => PromiseLike<unknown>,
): Promise<void> {
  return new Promise(resolve => {
    const timer = setTimeout(() => {
      diag.error(`agent-resilience: ${what} did not finish within ${timeoutMs} ms; gave up waiting`);
      resolve();
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const failed = (error: unknown) => {
      diag.error(`agent-resilience: ${what} failed`, error);
      done();
    };
    try {
      Promise.resolve(work()).then(done, failed);
    } catch (error) {
      failed(error);
    }
  });
}
