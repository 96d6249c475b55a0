/**
 * The fault schedule of a demo run: named phases, each a share of the run's duration, with what the fake model
 * providers do during it (what must be real HTTP: outages, refused connections, streams breaking on the wire) and
 * what chaos injection adds to the primary model's calls (faults an in-process injection represents as well: 429
 * storms, latency).
 */
import type { ChaosFaultSpec } from 'agent-resilience';

/** What the primary provider does during a phase. */
export type ProviderMode =
  /** Answers normally. */
  | 'healthy'
  /** Answers 503 "overloaded" to every request. */
  | 'outage_503'
  /** Stops listening: connections are refused. */
  | 'outage_refused'
  /** Back, with an error rate falling from `errorRate` to 0 over the phase. */
  | 'recovering';

export interface Phase {
  readonly name: string;
  readonly mode: ProviderMode;
  /** Share of the run, in (0, 1]; the shares of a scenario add up to 1. */
  readonly share: number;
  /** For `recovering`: error rate at the start. */
  readonly errorRate?: number;
  /**
   * Faults chaos injection adds to the primary model's calls during the phase (none when absent). A scenario with
   * chaos in any phase switches the chaos controller at every phase change; one without leaves it alone, for
   * `POST /chaos` and `AGENT_RESILIENCE_CHAOS`.
   */
  readonly chaos?: readonly ChaosFaultSpec[];
  /**
   * Share of requests the backup provider is overloaded for while it absorbs the traffic: a 529, an
   * `overloaded_error` frame mid-stream, or a first chunk that comes too late.
   */
  readonly backupOverload?: number;
  /**
   * Share of the primary's streamed answers that break: half before their first content chunk (a slow first
   * chunk, an error frame, a dropped connection: retried unseen), half after it (a dropped connection, an error
   * frame, a stall: the customer saw part of the answer). @default 0
   */
  readonly streamFaults?: number;
  /** Share of order look-ups the orders service fails with 503 (default {@link ORDER_FAILURE_RATE}). */
  readonly orderFailureRate?: number;
  /** What a viewer should notice, printed when the phase starts. */
  readonly narration: string;
}

/** Share of order look-ups that fail with 503 outside phases that set `orderFailureRate`. */
export const ORDER_FAILURE_RATE = 0.05;

/** A 429 storm on `rate` of the primary's attempts, each asking to retry after 1 s (injected). */
const STORM_429 = (rate: number): ChaosFaultSpec => ({ fault: 'rate_limited', rate, retryAfterMs: 1_000 });

/**
 * A slow replica now and then: 10 % of the primary's attempts start 1.5 s late (injected). That is later than the
 * hedging delay (700 ms, reply-model.ts), so a hedged request answers first.
 */
const SLOW_TAIL: ChaosFaultSpec = { fault: 'latency', rate: 0.1, latencyMs: 1_500 };

/** The calls answered normally, with the slow tail hedging cuts. */
const HEALTHY_WITH_SLOW_TAIL: Phase = {
  name: 'healthy',
  mode: 'healthy',
  share: 0.15,
  chaos: [SLOW_TAIL],
  narration:
    'all calls answered by the primary model; a slow replica now and then (injected): hedged requests answer first',
};

export const SCENARIOS: Readonly<Record<string, readonly Phase[]>> = {
  outage: [
    HEALTHY_WITH_SLOW_TAIL,
    {
      name: 'rate-limited',
      mode: 'healthy',
      share: 0.15,
      chaos: [STORM_429(0.6)],
      streamFaults: 0.1,
      narration:
        '429s with Retry-After (injected): retries wait what the server asks; some streams break, unseen before their first chunk',
    },
    {
      name: 'outage (503)',
      mode: 'outage_503',
      share: 0.15,
      backupOverload: 0.1,
      narration:
        'every call fails: the retry budget caps retries, the breaker opens, the backup model streams the answers',
    },
    {
      name: 'outage (refused)',
      mode: 'outage_refused',
      share: 0.13,
      backupOverload: 0.35,
      narration:
        'connections refused (network errors); the backup is overloaded too (529s, overloaded_error mid-stream): cached answers serve',
    },
    {
      name: 'recovery',
      mode: 'recovering',
      share: 0.2,
      errorRate: 0.15,
      streamFaults: 0.15,
      narration:
        'provider back: probes close the breaker, the ramp admits traffic gradually; flaky streams: a break after the first chunk restarts the run',
    },
    { name: 'healthy again', mode: 'healthy', share: 0.22, narration: 'full traffic to the primary model' },
  ],
  'rate-limits': [
    { name: 'healthy', mode: 'healthy', share: 0.2, narration: 'all calls answered by the primary model' },
    {
      name: 'rate-limited',
      mode: 'healthy',
      share: 0.6,
      chaos: [STORM_429(0.7)],
      streamFaults: 0.05,
      narration:
        'sustained 429s (injected): Retry-After waits, budget denials, fallbacks; a few broken streams',
    },
    { name: 'healthy again', mode: 'healthy', share: 0.2, narration: 'limits lifted' },
  ],
  steady: [{ name: 'healthy', mode: 'healthy', share: 1, narration: 'a healthy provider: the baseline' }],
  // For the alerting path (npm run stack, test/stack.e2e.test.ts): at --duration 150 the outage lasts 84 s, so
  // the breaker stays open past the 45 s `for` of the ResilienceCircuitOpen alert, then recovers.
  incident: [
    { ...HEALTHY_WITH_SLOW_TAIL, share: 0.06 },
    {
      name: 'rate-limited',
      mode: 'healthy',
      share: 0.08,
      chaos: [STORM_429(0.6)],
      streamFaults: 0.1,
      narration:
        '429s with Retry-After (injected): retries wait what the server asks; some streams break, unseen before their first chunk',
    },
    {
      name: 'outage (503)',
      mode: 'outage_503',
      share: 0.36,
      backupOverload: 0.1,
      narration:
        'a long outage: the breaker opens and stays open until the provider is back (alert after 45 s); the backup streams the answers',
    },
    {
      name: 'outage (refused)',
      mode: 'outage_refused',
      share: 0.2,
      backupOverload: 0.35,
      orderFailureRate: 0.6,
      narration:
        'connections refused; the orders service fails too: tool retries, run-level retries, failed runs',
    },
    {
      name: 'recovery',
      mode: 'recovering',
      share: 0.14,
      errorRate: 0.15,
      streamFaults: 0.15,
      narration:
        'provider back: probes close the breaker (the alert resolves), the ramp admits traffic gradually; flaky streams',
    },
    { name: 'healthy again', mode: 'healthy', share: 0.16, narration: 'full traffic to the primary model' },
  ],
  // A game day (docs/game-day.md): a 429 storm injected into the primary's calls, held, then switched off. At
  // --duration 300 the storm lasts 150 s: the retry budget runs dry and ResilienceRetryBudgetExhausted fires
  // (about 2 minutes), then resolves once the storm is off.
  'game-day': [
    { name: 'baseline', mode: 'healthy', share: 0.2, narration: 'all calls answered by the primary model' },
    {
      name: '429 storm (chaos)',
      mode: 'healthy',
      share: 0.5,
      chaos: [STORM_429(0.8)],
      narration:
        "chaos injects 429s into 80 % of the primary's attempts: retries wait the Retry-After, the retry budget runs dry, the backup answers; the budget alert fires once it has been dry about 2 minutes (--duration 300)",
    },
    {
      name: 'storm off',
      mode: 'healthy',
      share: 0.3,
      narration: 'chaos off: the primary answers again, the budget refills, the alert resolves',
    },
  ],
  // One clean outage and its recovery, without stream faults: the breakers open, the backup answers (rarely
  // overloaded), a probe closes them again. Short runs show a fleet's breakers acting as one (fleet-main.test.ts).
  failover: [
    { name: 'healthy', mode: 'healthy', share: 0.25, narration: 'all calls answered by the primary model' },
    {
      name: 'outage (503)',
      mode: 'outage_503',
      share: 0.35,
      narration: 'every call fails: the breaker opens, the backup model streams the answers',
    },
    {
      name: 'recovery',
      mode: 'recovering',
      share: 0.2,
      errorRate: 0.1,
      narration: 'provider back: a probe closes the breaker, the ramp admits traffic gradually',
    },
    { name: 'healthy again', mode: 'healthy', share: 0.2, narration: 'full traffic to the primary model' },
  ],
};

/** Phases of a scenario with their start and end times. */
export class Schedule {
  private readonly bounds: readonly {
    readonly phase: Phase;
    readonly startMs: number;
    readonly endMs: number;
  }[];

  constructor(
    readonly scenario: string,
    readonly durationMs: number,
  ) {
    const phases = SCENARIOS[scenario];
    if (phases === undefined) {
      throw new RangeError(
        `unknown scenario ${JSON.stringify(scenario)}; known: ${Object.keys(SCENARIOS).join(', ')}`,
      );
    }
    let start = 0;
    this.bounds = phases.map(phase => {
      const end = start + phase.share * durationMs;
      const bound = { phase, startMs: start, endMs: end };
      start = end;
      return bound;
    });
  }

  /** The phase at `elapsedMs` into a cycle, and how far into it (0..1). */
  at(elapsedMs: number): { readonly phase: Phase; readonly index: number; readonly progress: number } {
    const t = Math.min(Math.max(0, elapsedMs), this.durationMs - 1);
    const index = Math.max(
      0,
      this.bounds.findIndex(b => t >= b.startMs && t < b.endMs),
    );
    const b = this.bounds[index]!;
    return { phase: b.phase, index, progress: (t - b.startMs) / (b.endMs - b.startMs) };
  }

  get phases(): readonly Phase[] {
    return this.bounds.map(b => b.phase);
  }

  /** Whether the scenario switches chaos injection at its phase changes (some phase has chaos). */
  get drivesChaos(): boolean {
    return this.bounds.some(b => b.phase.chaos !== undefined);
  }
}

/** A small seeded PRNG (mulberry32): the same seed gives the same fault schedule. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
