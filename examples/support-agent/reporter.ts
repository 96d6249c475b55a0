import type { SupportAgent } from './support-agent.js';

/** Outcome counters of one phase. */
interface PhaseCounts {
  /** Calls that finished in the phase. */
  calls: number;
  answered: number;
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
  answered: 0,
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

const pad = (text: string, width: number): string =>
  text.length >= width ? text : text + ' '.repeat(width - text.length);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(0).padStart(3)}s`;

/**
 * Counts what happens per scenario phase and prints it: one progress line per second, a line for every notable
 * event (breaker transitions, recovery state changes, phase changes), and a summary table at the end.
 */
export class Reporter {
  private readonly phases = new Map<string, PhaseCounts>();
  private readonly order: string[] = [];
  private phase = '';
  private lastTick: PhaseCounts = empty();
  private readonly disposers: Array<{ dispose(): void }> = [];

  constructor(
    private readonly support: SupportAgent,
    private readonly elapsed: () => number,
    private readonly print: (line: string) => void = line => console.log(line),
  ) {
    this.disposers.push(
      support.breaker.onTransition(t => this.event(`circuit "${t.breaker}" ${t.from} → ${t.to}`)),
      support.recovery.onStateChange(t => this.event(`recovery "openai" ${t.from} → ${t.to} (${t.trigger})`)),
      support.features.onChange(c =>
        this.event(`feature "${c.feature}" ${c.enabled ? 'enabled' : 'disabled'} (${c.reason})`),
      ),
      support.primary.onFallback(({ kind, error }) => {
        const c = this.current();
        if (kind === 'factory') c.backup++;
        else if (kind === 'cache') c.cached++;
        else c.apology++;
        if (error.reason === 'budget_exhausted') c.budgetDenials++;
        if (rejectingStrategy(error) === 'recovery') c.shed++;
      }),
    );
  }

  /** Starts counting a new phase. */
  enterPhase(name: string, narration: string): void {
    this.phase = name;
    if (!this.phases.has(name)) {
      this.phases.set(name, empty());
      this.order.push(name);
    }
    this.print(`\n${seconds(this.elapsed())}  ── ${name}: ${narration}`);
  }

  private current(): PhaseCounts {
    return this.phases.get(this.phase) ?? empty();
  }

  /**
   * Counts a finished call in the phase it finished in, like its fallback (counted when it served), so each row
   * adds up: calls = primary + backup + cached + apology + failed.
   */
  callEnded(ok: boolean): void {
    const c = this.current();
    c.calls++;
    if (ok) c.answered++;
    else c.failed++;
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
        `primary ${String(d('answered') - d('backup') - d('cached') - d('apology')).padStart(2)} ` +
        `backup ${String(d('backup')).padStart(2)} cache ${String(d('cached')).padStart(2)} ` +
        `apology ${String(d('apology')).padStart(2)} failed ${String(d('failed')).padStart(2)} │ ` +
        `retries ${String(d('retries')).padStart(2)} │ breaker ${pad(this.support.breaker.state, 10)}│ ` +
        `budget ${Math.floor(budget.available)}/${Math.floor(budget.capacity)} │ ` +
        `traffic ${(recovery.trafficRatio * 100).toFixed(0).padStart(3)}% ${recovery.state}`,
    );
    this.lastTick = total;
  }

  private total(): PhaseCounts {
    const sum = empty();
    for (const c of this.phases.values())
      for (const k of Object.keys(sum) as (keyof PhaseCounts)[]) sum[k] += c[k];
    return sum;
  }

  /** The per-phase summary table. */
  summary(): string {
    const header = [
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
    ];
    const rows = [
      ...this.order.map(name => [name, this.phases.get(name)!] as const),
      ['total', this.total()] as const,
    ].map(([name, c]) => [
      name,
      String(c.calls),
      String(c.answered - c.backup - c.cached - c.apology),
      String(c.backup),
      String(c.cached),
      String(c.apology),
      String(c.failed),
      `${c.retries} (${c.retryAfterWaits})`,
      String(c.budgetDenials),
      String(c.shed),
      String(c.primaryAttempts),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]!.length)));
    const line = (cells: readonly string[]) =>
      `│ ${cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : c.padStart(widths[i]!))).join(' │ ')} │`;
    const rule = (l: string, m: string, r: string) => `${l}${widths.map(w => '─'.repeat(w + 2)).join(m)}${r}`;
    return [
      rule('┌', '┬', '┐'),
      line(header),
      rule('├', '┼', '┤'),
      ...rows.map(line),
      rule('└', '┴', '┘'),
    ].join('\n');
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
