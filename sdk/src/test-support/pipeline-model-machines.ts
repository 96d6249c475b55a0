/**
 * The reference model's state machines, written from their specifications (DESIGN §3, the JSDoc of each option):
 * a consecutive circuit breaker with half-open sampling, and the recovery manager's states and step ramp. Times
 * are virtual milliseconds.
 */
import type { PipelineConfig } from './pipeline-scenario.js';

/** What an attempt taught the stages that judge outcomes (breaker, recovery). */
export type Verdict = 'success' | 'neutral' | 'failure';

export type BreakerState = 'closed' | 'open' | 'half_open';

/** Counters as `CircuitBreaker.snapshot()` reports them. */
export interface BreakerCounts {
  successes: number;
  failures: number;
  ignored: number;
  rejections: number;
}

/** A consecutive-failures breaker: open after `threshold` failures in a row, half-open after the open wait. */
export class BreakerModel {
  state: BreakerState = 'closed';
  readonly counts: BreakerCounts = { successes: 0, failures: 0, ignored: 0, rejections: 0 };
  private consecutive = 0;
  private openedAt = 0;
  private openings = 0;
  private probes = { inFlight: 0, successes: 0, failures: 0 };

  constructor(
    private readonly spec: NonNullable<PipelineConfig['breaker']>,
    private readonly onTransition: (to: BreakerState) => void,
  ) {}

  private openWait(): number {
    const h = this.spec.halfOpenAfterMs;
    if (typeof h === 'number') return h;
    return Math.min(h.maxDelayMs, h.initialDelayMs * h.multiplier ** (this.openings - 1));
  }

  private move(to: BreakerState, now: number): void {
    this.state = to;
    if (to === 'open') this.openedAt = now;
    if (to === 'half_open') this.probes = { inFlight: 0, successes: 0, failures: 0 };
    if (to === 'closed') this.consecutive = 0;
    this.onTransition(to);
  }

  /** Admits an attempt (a probe while half-open) or rejects it. */
  admit(now: number): boolean {
    if (this.state === 'open') {
      if (now < this.openedAt + this.openWait()) return this.reject();
      this.move('half_open', now);
    }
    if (this.state === 'half_open') {
      const { inFlight, successes, failures } = this.probes;
      if (inFlight + successes + failures >= this.spec.sampling.calls) return this.reject();
      this.probes.inFlight++;
    }
    return true;
  }

  private reject(): false {
    this.counts.rejections++;
    return false;
  }

  /** Books the outcome of an admitted attempt. */
  settle(verdict: Verdict, now: number): void {
    if (verdict === 'success') this.counts.successes++;
    else if (verdict === 'failure') this.counts.failures++;
    else this.counts.ignored++;
    if (this.state === 'closed') {
      if (verdict === 'success') this.consecutive = 0;
      if (verdict === 'failure' && ++this.consecutive >= this.spec.threshold) {
        this.openings = 1;
        this.move('open', now);
      }
      return;
    }
    const p = this.probes;
    p.inFlight--;
    if (verdict === 'success') p.successes++;
    if (verdict === 'failure') {
      p.failures++;
      if (p.failures > this.spec.sampling.threshold * this.spec.sampling.calls) {
        this.openings++;
        this.move('open', now);
        return;
      }
    }
    if (p.inFlight === 0 && p.successes + p.failures >= this.spec.sampling.calls) this.move('closed', now);
  }
}

export type RecoveryState = 'healthy' | 'degraded' | 'recovering';

/** Recovery admission fed by attempt outcomes and the policy's breaker (no health checks in these scenarios). */
export class RecoveryModel {
  state: RecoveryState = 'healthy';
  admitted = 0;
  shed = 0;
  private enteredAt = 0;
  private failures = 0;
  private successes = 0;

  constructor(
    private readonly spec: NonNullable<PipelineConfig['recovery']>,
    private readonly random: () => number,
  ) {}

  private moveTo(to: RecoveryState, now: number): void {
    this.failures = 0;
    this.successes = 0;
    if (this.state === to) return;
    this.state = to;
    this.enteredAt = now;
  }

  /** A completed ramp makes a recovering downstream healthy. */
  tick(now: number): void {
    const rampMs = this.spec.steps.length * this.spec.stepMs;
    if (this.state === 'recovering' && now - this.enteredAt >= rampMs) this.moveTo('healthy', now);
  }

  private ratio(now: number): number {
    if (this.state === 'degraded') return this.spec.degradedTrafficRatio;
    if (this.state === 'healthy') return 1;
    return this.spec.steps[Math.floor((now - this.enteredAt) / this.spec.stepMs)] ?? 1;
  }

  /** Admits an attempt: all when healthy, a share otherwise; a half-open breaker's probe always goes through. */
  admit(now: number, breaker: BreakerState | undefined): boolean {
    this.tick(now);
    const ratio = this.ratio(now);
    const ok = ratio >= 1 || (breaker === 'half_open' ? true : this.random() < ratio);
    if (ok) this.admitted++;
    else this.shed++;
    return ok;
  }

  learn(verdict: Verdict, now: number): void {
    if (verdict === 'success') {
      this.failures = 0;
      this.successes++;
      if (this.state === 'degraded' && this.successes >= this.spec.successThreshold)
        this.moveTo('recovering', now);
    } else if (verdict === 'failure') {
      this.successes = 0;
      this.failures++;
      if (this.state === 'recovering') this.moveTo('degraded', now);
      else if (this.state === 'healthy' && this.failures >= this.spec.failureThreshold)
        this.moveTo('degraded', now);
    }
  }

  /** The followed breaker moved: opening degrades, closing after an open period starts the ramp. */
  onBreaker(to: BreakerState, now: number): void {
    this.tick(now);
    if (to === 'open' && this.state !== 'degraded') this.moveTo('degraded', now);
    else if (to === 'closed' && this.state === 'degraded') this.moveTo('recovering', now);
  }
}
