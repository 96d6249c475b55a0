/**
 * Virtual time for the hedging bench (no fake-timers library is installed): while installed, the global
 * `setTimeout`/`clearTimeout`, `Date.now` and `performance.now` run on a clock that moves only in `run()`, which
 * fires the pending timers in order of due time (then of creation) and, after each, lets every promise reaction
 * and `process.nextTick` run (one real `setImmediate` turn), as `@sinonjs/fake-timers`' `runAllAsync` does. So
 * thousands of calls can be in flight for minutes of virtual time and finish in a second, identically on every run.
 * `setImmediate`, `setInterval` and microtasks stay real.
 */

/** Node's bound on a timer's delay: outside [1, 2^31 − 1] it waits 1 ms (we keep fractions of a ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer of the virtual clock; has the `ref`/`unref` of Node's `Timeout` so callers may use them. */
class VirtualTimer {
  cleared = false;
  constructor(
    readonly id: number,
    readonly at: number,
    readonly callback: (...args: unknown[]) => void,
    readonly args: unknown[],
  ) {}
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

const before = (a: VirtualTimer, b: VirtualTimer) => a.at < b.at || (a.at === b.at && a.id < b.id);
const macrotask = () => new Promise<void>(resolve => setImmediate(resolve));

/** The virtual clock; one may be installed at a time. */
export class VirtualClock {
  /** Virtual milliseconds since `install()`. */
  now = 0;
  /** Timers pending (not fired, not cleared). */
  pending = 0;
  private readonly heap: VirtualTimer[] = [];
  private nextId = 1;
  private restore: (() => void) | undefined;

  /** Replaces the globals; `uninstall()` puts them back. */
  install(): this {
    const saved = { setTimeout, clearTimeout, dateNow: Date.now };
    const epoch = Date.now();
    globalThis.setTimeout = ((callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) =>
      this.schedule(callback, delay, args)) as unknown as typeof setTimeout;
    globalThis.clearTimeout = ((timer: unknown) => {
      if (timer instanceof VirtualTimer) this.clear(timer);
      else saved.clearTimeout(timer as Parameters<typeof clearTimeout>[0]);
    }) as typeof clearTimeout;
    Date.now = () => epoch + Math.floor(this.now);
    // An own property shadows Performance.prototype.now; deleting it restores the real one.
    performance.now = () => this.now;
    this.restore = () => {
      globalThis.setTimeout = saved.setTimeout;
      globalThis.clearTimeout = saved.clearTimeout;
      Date.now = saved.dateNow;
      delete (performance as { now?: unknown }).now;
    };
    return this;
  }

  uninstall(): void {
    this.restore?.();
    this.restore = undefined;
  }

  /**
   * Fires timers in order until none is pending (timers they set included), or until the next one is due after
   * `untilMs` (then the clock stops at `untilMs`).
   */
  async run(untilMs = Number.POSITIVE_INFINITY): Promise<void> {
    await macrotask();
    for (let timer = this.pop(untilMs); timer !== undefined; timer = this.pop(untilMs)) {
      this.now = timer.at;
      timer.callback(...timer.args);
      await macrotask();
    }
    if (Number.isFinite(untilMs)) this.now = Math.max(this.now, untilMs);
  }

  private schedule(callback: (...args: unknown[]) => void, delay: unknown, args: unknown[]): VirtualTimer {
    const ms = Number(delay);
    const timer = new VirtualTimer(
      this.nextId++,
      this.now + (ms >= 1 && ms <= MAX_TIMER_MS ? ms : 1),
      callback,
      args,
    );
    this.push(timer);
    this.pending++;
    return timer;
  }

  private clear(timer: VirtualTimer): void {
    if (timer.cleared) return;
    timer.cleared = true;
    this.pending--;
  }

  /** The next live timer due by `untilMs`, removed from the heap (cleared ones are dropped on the way). */
  private pop(untilMs: number): VirtualTimer | undefined {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || top.at > untilMs) return undefined;
      const last = this.heap.pop()!;
      if (this.heap.length > 0) {
        this.heap[0] = last;
        this.siftDown(0);
      }
      if (!top.cleared) {
        this.clear(top);
        return top;
      }
    }
  }

  private push(timer: VirtualTimer): void {
    const heap = this.heap;
    let i = heap.push(timer) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let first = i;
      if (left < heap.length && before(heap[left]!, heap[first]!)) first = left;
      if (right < heap.length && before(heap[right]!, heap[first]!)) first = right;
      if (first === i) return;
      [heap[i], heap[first]] = [heap[first]!, heap[i]!];
      i = first;
    }
  }
}
