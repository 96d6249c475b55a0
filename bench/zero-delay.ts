/**
 * The cost of a retry whose computed delay is 0 (issue 8 §1.9): ours retries without a timer; cockatiel's
 * `ConstantBackoff(0)` still waits a `setTimeout(0)` tick (about 1 ms) per retry. Each call fails `RETRIES` times
 * and then succeeds. Run on its own with `node --import tsx bench/zero-delay.ts` (after `npm run build`), or
 * through `npm run bench`.
 */
import { pathToFileURL } from 'node:url';
import { createPolicy } from 'agent-resilience';
import { ConstantBackoff, handleAll, retry } from 'cockatiel';
import { table } from './table.js';

const RETRIES = 3;
const FAILURE = Object.assign(new Error('HTTP 503'), { status: 503 });

/** One measurement: microseconds per retry over `calls` calls of `RETRIES` retries each. */
export interface ZeroDelayRow {
  readonly implementation: string;
  readonly calls: number;
  readonly usPerRetry: number;
}

function failingThenOk(): () => Promise<string> {
  let attempts = 0;
  return () => (attempts++ % (RETRIES + 1) < RETRIES ? Promise.reject(FAILURE) : Promise.resolve('ok'));
}

async function measure(name: string, calls: number, run: (fn: () => Promise<string>) => Promise<unknown>) {
  const fn = failingThenOk();
  for (let i = 0; i < Math.min(100, calls); i++) await run(fn);
  const start = performance.now();
  for (let i = 0; i < calls; i++) await run(fn);
  const elapsedMs = performance.now() - start;
  return { implementation: name, calls, usPerRetry: (elapsedMs * 1000) / (calls * RETRIES) };
}

/** Measures both implementations, sequentially (one call at a time, so a timer tick is not hidden). */
export async function runZeroDelay(quick = false): Promise<ZeroDelayRow[]> {
  const ours = createPolicy('bench.zero-delay', {
    registry: null,
    retry: { maxRetries: RETRIES, initialDelayMs: 0 },
  });
  const theirs = retry(handleAll, { maxAttempts: RETRIES, backoff: new ConstantBackoff(0) });
  const rows = [
    await measure('agent-resilience, initialDelayMs: 0', quick ? 200 : 5_000, fn => ours.execute(fn)),
    await measure('cockatiel retry, ConstantBackoff(0)', quick ? 20 : 300, fn => theirs.execute(fn)),
  ];
  ours.dispose();
  return rows;
}

/** The rows as a table. */
export function zeroDelayTable(rows: readonly ZeroDelayRow[]): string {
  return table(
    ['zero-delay retry (3 retries per call, sequential)', 'calls', 'µs per retry'],
    rows.map(r => [r.implementation, String(r.calls), r.usPerRetry.toFixed(2)]),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(zeroDelayTable(await runZeroDelay(process.argv.includes('--quick'))));
}
