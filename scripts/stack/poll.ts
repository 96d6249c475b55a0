/**
 * Polling with a deadline, for the stack's readiness checks and the end-to-end test: no blind sleeps, every
 * wait is bounded and says what it waited for.
 */

export class DeadlineError extends Error {}

export interface PollOptions {
  /** What is awaited, for the timeout message ("Prometheus to be ready"). */
  readonly what: string;
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Stops waiting early with this error, e.g. when a process of the stack exited. */
  readonly abort?: () => Error | undefined;
}

const pause = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * Calls `check` until it returns a value other than undefined; errors thrown by `check` count as "not yet"
 * (the last one is quoted on timeout).
 */
export async function pollUntil<T>(check: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const aborted = options.abort?.();
    if (aborted !== undefined) throw aborted;
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError === undefined ? '' : ` (last error: ${(lastError as Error).message})`;
      throw new DeadlineError(
        `timed out after ${options.timeoutMs / 1000}s waiting for ${options.what}${cause}`,
      );
    }
    await pause(Math.min(options.intervalMs ?? 500, Math.max(0, deadline - Date.now())));
  }
}

/** GET `url` with a short timeout; resolves to the parsed JSON body, or throws with the status. */
export async function getJson<T>(url: string, timeoutMs = 5_000): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** True when GET `url` answers 2xx. */
export async function isUp(url: string): Promise<boolean | undefined> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await response.arrayBuffer();
  return response.ok ? true : undefined;
}
