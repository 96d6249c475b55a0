/**
 * Counts events of a few kinds over a sliding time window split into buckets: a fixed footprint
 * (`bucketCount × fields` numbers), O(1) updates, no timers. Buckets are recycled lazily as the clock moves (the
 * same ring as `ErrorAggregator`, with running totals so reads do not sum the ring). A clock that goes backwards
 * keeps writing into the newest bucket.
 */
export class RollingCounter {
  private readonly bucketMs: number;
  private readonly counts: Float64Array;
  private readonly totals: Float64Array;
  private epoch = Number.NEGATIVE_INFINITY;

  /**
   * @param windowMs Length of the window.
   * @param bucketCount Buckets the window is split into: events leave the window one bucket at a time.
   * @param fields Number of event kinds counted.
   * @param now Monotonic clock in milliseconds.
   */
  constructor(
    windowMs: number,
    private readonly bucketCount: number,
    private readonly fields: number,
    private readonly now: () => number,
  ) {
    this.bucketMs = windowMs / bucketCount;
    this.counts = new Float64Array(bucketCount * fields);
    this.totals = new Float64Array(fields);
  }

  /** Adds `n` events of kind `field` now. */
  add(field: number, n = 1): void {
    this.advance();
    const bucket = mod(this.epoch, this.bucketCount);
    this.counts[bucket * this.fields + field]! += n;
    this.totals[field]! += n;
  }

  /** Events of kind `field` in the window. */
  total(field: number): number {
    this.advance();
    return this.totals[field]!;
  }

  /** Forgets everything. */
  reset(): void {
    this.counts.fill(0);
    this.totals.fill(0);
  }

  private advance(): void {
    const raw = this.now();
    const epoch = Number.isFinite(raw) ? Math.floor(raw / this.bucketMs) : this.epoch;
    if (!(epoch > this.epoch)) return;
    if (this.epoch === Number.NEGATIVE_INFINITY || epoch - this.epoch >= this.bucketCount) {
      this.reset();
    } else {
      for (let e = this.epoch + 1; e <= epoch; e++) this.clear(mod(e, this.bucketCount));
    }
    this.epoch = epoch;
  }

  private clear(bucket: number): void {
    const start = bucket * this.fields;
    for (let f = 0; f < this.fields; f++) {
      this.totals[f]! -= this.counts[start + f]!;
      this.counts[start + f] = 0;
    }
  }
}

function mod(n: number, m: number): number {
  return ((n % m) + m) % m;
}
