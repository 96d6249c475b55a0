/** Sub-buckets per power of two: bucket bounds grow by 2^(1/8) ≈ 9 %, the error of every estimate. */
const SUB_BUCKETS = 8;
/** Buckets up to 2^32 ms: above any timer. */
const BUCKETS = 32 * SUB_BUCKETS;
/** Time slices of the window: old latencies leave it a slice at a time. */
const SLICES = 6;

const bucketOf = (ms: number): number =>
  ms < 1 ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log2(ms) * SUB_BUCKETS) + 1);
/** The upper bound of a bucket, in ms (bucket 0 holds latencies under 1 ms). */
const upperBound = (bucket: number): number => 2 ** (bucket / SUB_BUCKETS);

/**
 * Recent latencies of a policy's attempts, in a log-scale histogram per time slice (bounded memory, O(1) to
 * record, O(buckets) to query): the percentile hedging waits for, and what a hedge that won likely saved.
 */
export class LatencyWindow {
  private readonly slices: Uint32Array[] = [];
  private readonly sliceStarts: number[] = [];
  private readonly sliceMs: number;
  /** The sum of the live slices, kept as latencies come and slices leave. */
  private readonly merged = new Uint32Array(BUCKETS);
  private mergedTotal = 0;

  /**
   * @param windowMs How far back latencies count.
   * @param now Clock in ms (tests and benches pass a fake one).
   */
  constructor(
    windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.sliceMs = windowMs / SLICES;
  }

  /** Adds one latency, in ms. */
  record(ms: number): void {
    if (!(ms >= 0)) return;
    const now = this.now();
    this.expire(now);
    let slice = this.slices.at(-1);
    if (slice === undefined || now - (this.sliceStarts.at(-1) ?? 0) >= this.sliceMs) {
      slice = new Uint32Array(BUCKETS);
      this.slices.push(slice);
      this.sliceStarts.push(now);
    }
    const bucket = bucketOf(ms);
    slice[bucket] = (slice[bucket] ?? 0) + 1;
    this.merged[bucket] = (this.merged[bucket] ?? 0) + 1;
    this.mergedTotal++;
  }

  /** Latencies in the window. */
  count(): number {
    this.refresh();
    return this.mergedTotal;
  }

  /**
   * The latency (ms, a bucket's upper bound) below which `p` of the window's latencies fall, counting `above` more
   * latencies known only to be larger than any in the window (still running); undefined when none fall below.
   */
  percentile(p: number, above = 0): number | undefined {
    this.refresh();
    if (this.mergedTotal === 0) return undefined;
    const rank = Math.ceil(p * (this.mergedTotal + above));
    if (rank > this.mergedTotal) return undefined;
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.merged[b] ?? 0;
      if (seen >= rank) return upperBound(b);
    }
    return upperBound(BUCKETS - 1);
  }

  /**
   * The median of the window's latencies above `ms`: what an attempt that has run `ms` is likely to take in
   * all. Undefined when no latency in the window was above it.
   */
  medianAbove(ms: number): number | undefined {
    this.refresh();
    const first = bucketOf(ms) + 1;
    let above = 0;
    for (let b = first; b < BUCKETS; b++) above += this.merged[b] ?? 0;
    if (above === 0) return undefined;
    const rank = Math.ceil(above / 2);
    let seen = 0;
    for (let b = first; b < BUCKETS; b++) {
      seen += this.merged[b] ?? 0;
      if (seen >= rank) return upperBound(b);
    }
    return undefined;
  }

  /** Drops slices older than the window. */
  private expire(now: number): void {
    let drop = 0;
    while (drop < this.sliceStarts.length && now - (this.sliceStarts[drop] ?? 0) >= this.sliceMs * SLICES) {
      drop++;
    }
    if (drop === 0) return;
    for (const slice of this.slices.splice(0, drop)) {
      for (let b = 0; b < BUCKETS; b++) {
        const n = slice[b] ?? 0;
        this.merged[b] = (this.merged[b] ?? 0) - n;
        this.mergedTotal -= n;
      }
    }
    this.sliceStarts.splice(0, drop);
  }

  private refresh(): void {
    this.expire(this.now());
  }
}
