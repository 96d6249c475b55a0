import { addCounters, countedBetween, NO_COUNTS, type StreamCounters } from './metrics-probe.js';
import type { ReplySource } from './replies.js';
import { streamsTable } from './streams-summary.js';
import type { SupportAgent } from './support-agent.js';
import { table } from './table.js';

/** Outcome counters of one phase. */
interface PhaseCounts {
  /** Calls that finished in the phase, by who answered (or `failed`). */
  calls: number;
  primary: number;
  backup: number;
  cached: number;
  apology: number;
  failed: number;
  retries: number;
  retryAfterWaits: number;
  budgetDenials: number;
  shed: number;
  primaryAttempts: number;
}

const empty = (): PhaseCounts => ({
  calls: 0,
  primary: 0,
  backup: 0,
  cached: 0,
  apology: 0,
  failed: 0,
  retries: 0,
  retryAfterWaits: 0,
  budgetDenials: 0,
  shed: 0,
  primaryAttempts: 0,
});

const pad = (text: string, width: number): string => text.padEnd(width);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(0).padStart(3)}s`;

/**
 * Counts what happens per scenario phase and prints it: one progress line per second, a line for every notable
 * event (breaker transitions, recovery state changes, phase changes), and a summary table at the end.
 */
export class Reporter {
  private readonly phases = new Map<string, PhaseCounts>();
  /** Times to first chunk of each phase, in ms. */
  private readonly firstChunks = new Map<string, number[]>();
  /** The SDK's stream and token counters of each phase (from /metrics), when they could be read. */
  private readonly counters = new Map<string, StreamCounters>();
  private lastCounters: StreamCounters | undefined;
  private readonly order: string[] = [];
  private phase = '';
  private lastTick: PhaseCounts = empty();
  /** Retries the budget had refused when last counted (it counts since its creation). */
  private lastDenied: number;
  private readonly disposers: Array<{ dispose(): void }> = [];

  constructor(
    private readonly support: SupportAgent,
    private readonly elapsed: () => number,
    private readonly print: (line: string) => void = line => console.log(line),
  ) {
    this.lastDenied = support.budget.snapshot().denied;
    const { recovery } = support;
    this.disposers.push(
      support.breaker.onTransition(t => this.event(`circuit "${t.breaker}" ${t.from} → ${t.to}`)),
      ...(recovery === undefined
        ? []
        : [
            recovery.onStateChange(t =>
              this.event(`recovery "${recovery.name}" ${t.from} → ${t.to} (${t.trigger})`),
            ),
          ]),
      support.features.onChange(c =>
        this.event(`feature "${c.feature}" ${c.enabled ? 'enabled' : 'disabled'} (${c.reason})`),
      ),
      support.onFallback(({ error }) => {
        if (rejectingStrategy(error) === 'recovery') this.current().shed++;
      }),
    );
  }

  /** Starts counting a new phase. */
  enterPhase(name: string, narration: string): void {
    this.countDenials();
    this.phase = name;
    if (!this.phases.has(name)) {
      this.phases.set(name, empty());
      this.firstChunks.set(name, []);
      this.order.push(name);
    }
    this.print(`\n${seconds(this.elapsed())}  ── ${name}: ${narration}`);
  }

  private current(): PhaseCounts {
    return this.phases.get(this.phase) ?? empty();
  }

  /** Counts the retries the budget refused since the last count in the current phase. */
  private countDenials(): void {
    const denied = this.support.budget.snapshot().denied;
    this.current().budgetDenials += denied - this.lastDenied;
    this.lastDenied = denied;
  }

  /**
   * Counts a finished call in the phase it finished in, by who answered it, so each row adds up: calls = primary
   * + backup + cached + apology + failed.
   */
  callEnded(outcome: ReplySource | 'failed'): void {
    const c = this.current();
    c.calls++;
    c[outcome]++;
  }

  /** A model's first content chunk reached the customer `ms` after the model was asked. */
  firstChunk(ms: number): void {
    this.firstChunks.get(this.phase)?.push(ms);
  }

  /**
   * Attributes the growth of the SDK's counters since the previous reading to the current phase: read /metrics at
   * the start of the cycle, at each phase change (before {@link enterPhase}) and at the end. An unreadable
   * reading (undefined) is skipped.
   */
  countersRead(counters: StreamCounters | undefined): void {
    if (counters === undefined) return;
    if (this.lastCounters !== undefined && this.phase !== '') {
      const grown = countedBetween(this.lastCounters, counters);
      this.counters.set(this.phase, addCounters(this.counters.get(this.phase) ?? NO_COUNTS, grown));
    }
    this.lastCounters = counters;
  }

  retried(source: 'backoff' | 'retry_after'): void {
    const c = this.current();
    c.retries++;
    if (source === 'retry_after') c.retryAfterWaits++;
  }

  primaryAttempt(): void {
    this.current().primaryAttempts++;
  }

  event(text: string): void {
    this.print(`${seconds(this.elapsed())}     ⚑ ${text}`);
  }

  /** Prints the per-second progress line. */
  tick(callsPerSecond: number): void {
    const total = this.total();
    const d = (key: keyof PhaseCounts) => total[key] - this.lastTick[key];
    const budget = this.support.budget.snapshot();
    const recovery = this.support.recovery;
    this.print(
      `${seconds(this.elapsed())}  ${pad(this.phase, 16)} ${callsPerSecond.toFixed(1).padStart(5)}/s │ ` +
        `primary ${String(d('primary')).padStart(2)} ` +
        `backup ${String(d('backup')).padStart(2)} cache ${String(d('cached')).padStart(2)} ` +
        `apology ${String(d('apology')).padStart(2)} failed ${String(d('failed')).padStart(2)} │ ` +
        `retries ${String(d('retries')).padStart(2)} │ breaker ${pad(this.support.breaker.state, 10)}│ ` +
        `budget ${Math.floor(budget.available)}/${Math.floor(budget.capacity)}` +
        (recovery === undefined
          ? ''
          : ` │ traffic ${(recovery.trafficRatio * 100).toFixed(0).padStart(3)}% ${recovery.state}`),
    );
    this.lastTick = total;
  }

  private total(): PhaseCounts {
    const sum = empty();
    for (const c of this.phases.values())
      for (const k of Object.keys(sum) as (keyof PhaseCounts)[]) sum[k] += c[k];
    return sum;
  }

  /**
   * The per-phase summary: who answered and what the resilience did, then the streams (time to first chunk, and
   * the SDK's counts of streams broken before and after it, stalls, tokens served and wasted).
   */
  summary(): string {
    this.countDenials();
    const rows = [
      ...this.order.map(name => [name, this.phases.get(name)!] as const),
      ['total', this.total()] as const,
    ];
    const calls = table(
      [
        'phase',
        'calls',
        'primary',
        'backup',
        'cached',
        'apology',
        'failed',
        'retries (Retry-After)',
        'budget denials',
        'shed by ramp',
        'primary attempts',
      ],
      rows.map(([name, c]) => [
        name,
        String(c.calls),
        String(c.primary),
        String(c.backup),
        String(c.cached),
        String(c.apology),
        String(c.failed),
        `${c.retries} (${c.retryAfterWaits})`,
        String(c.budgetDenials),
        this.support.recovery === undefined ? '-' : String(c.shed),
        String(c.primaryAttempts),
      ]),
    );
    const known = this.counters.size > 0;
    const phases = this.order.map(name => ({
      name,
      firstChunksMs: this.firstChunks.get(name) ?? [],
      counters: known ? (this.counters.get(name) ?? NO_COUNTS) : undefined,
    }));
    const total = {
      name: 'total',
      firstChunksMs: phases.flatMap(p => p.firstChunksMs),
      counters: known ? [...this.counters.values()].reduce(addCounters, NO_COUNTS) : undefined,
    };
    return `${calls}\n${streamsTable([...phases, total])}`;
  }

  dispose(): void {
    for (const d of this.disposers.splice(0)) d.dispose();
  }
}

/** The strategy that refused a call, when the final error is a rejection. */
function rejectingStrategy(error: {
  readonly reason: string;
  readonly strategy?: string;
}): string | undefined {
  return error.reason === 'rejected' ? error.strategy : undefined;
}
