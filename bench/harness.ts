/**
 * A small in-process benchmark harness (after the method in shared/research/perf-facts.md): each case gets its
 * own generated loop so its call site stays monomorphic; a sample is a batch of sequential awaited calls plus one
 * `setImmediate` yield, inside the timed region, so timers the libraries schedule are paid for; rounds run the
 * cases in a fresh random order; results are medians over rounds, ratios medians of per-round ratios.
 */

/** One benchmark case. `setup` runs before each of its samples (e.g. to switch the global OTel providers). */
export interface BenchCase {
  readonly name: string;
  readonly run: () => Promise<unknown>;
  readonly setup?: () => void;
  readonly teardown?: () => void;
}

/** Result of one case. */
export interface BenchResult {
  readonly name: string;
  /** Median ns per call over rounds. */
  readonly nsPerOp: number;
  /** ns per call of each round, in round order (aligned across cases). */
  readonly rounds: readonly number[];
}

export interface HarnessOptions {
  readonly rounds: number;
  /** Timed window per case per round, in ms. */
  readonly windowMs: number;
}

/** Median over rounds of (a ÷ b) measured in the same round. */
export function ratio(a: BenchResult, b: BenchResult): number {
  return median(a.rounds.map((value, i) => value / b.rounds[i]!));
}

type Loop = (run: () => Promise<unknown>, n: number) => Promise<void>;
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => Loop;
const yieldToLoop = () => new Promise<void>(resolve => setImmediate(resolve));
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const gc = (globalThis as { gc?: () => void }).gc;

async function sample(loop: Loop, c: BenchCase, batch: number, windowMs: number): Promise<number> {
  c.setup?.();
  gc?.();
  let calls = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(windowMs) * 1_000_000n;
  let now = start;
  while (now < end) {
    await loop(c.run, batch);
    await yieldToLoop();
    calls += batch;
    now = process.hrtime.bigint();
  }
  c.teardown?.();
  return Number(now - start) / calls;
}

async function calibrate(loop: Loop, c: BenchCase): Promise<number> {
  c.setup?.();
  let batch = 1;
  for (;;) {
    const start = process.hrtime.bigint();
    await loop(c.run, batch);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (ms >= 2 || batch >= 1 << 16) break;
    batch *= 2;
  }
  c.teardown?.();
  return batch;
}

function shuffle<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Runs every case for `rounds` rounds (plus one discarded warm-up round). */
export async function runBench(cases: readonly BenchCase[], options: HarnessOptions): Promise<BenchResult[]> {
  const loops = new Map(
    cases.map(c => [c.name, new AsyncFunction('run', 'n', 'for (let i = 0; i < n; i++) await run();')]),
  );
  const batches = new Map<string, number>();
  for (const c of cases) batches.set(c.name, await calibrate(loops.get(c.name)!, c));
  const perRound: Array<Map<string, number>> = [];
  for (let round = 0; round <= options.rounds; round++) {
    const results = new Map<string, number>();
    for (const c of shuffle(cases)) {
      results.set(c.name, await sample(loops.get(c.name)!, c, batches.get(c.name)!, options.windowMs));
    }
    if (round > 0) perRound.push(results);
  }
  return cases.map(c => {
    const rounds = perRound.map(r => r.get(c.name)!);
    return { name: c.name, nsPerOp: median(rounds), rounds };
  });
}
