import type { Outcome, ReplicaStatus } from './fleet-protocol.js';
import {
  addCounts,
  type Counts,
  type FleetRecord,
  noCounts,
  type TransitionRecord,
} from './fleet-summary.js';
import type { Message } from './fleet-workload.js';
import type { Phase } from './scenario.js';

/** What the reporter keeps of one replica during a cycle. */
interface ReplicaLog {
  readonly counts: Counts;
  readonly primaryCallTimes: number[];
  readonly transitions: TransitionRecord[];
  breaker: string;
  status: ReplicaStatus | undefined;
  /** Retries its budget had refused when the cycle began. */
  readonly deniedBefore: number;
  degradedSeconds: number;
}

const pad = (text: string, width: number): string => text.padEnd(width);
const num = (n: number, width = 2): string => String(n).padStart(width);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(0).padStart(3)}s`;
const isOutage = (phase: Phase): boolean => phase.mode.startsWith('outage');

/**
 * Counts what happens across the fleet during one scenario cycle, per phase and per replica, from what the
 * replicas report; prints a progress line per second and a line per breaker transition; and hands the summary
 * its {@link FleetRecord}.
 */
export class FleetReporter {
  private readonly phases = new Map<string, Counts>();
  private readonly order: string[] = [];
  private phase = '';
  private readonly replicas = new Map<number, ReplicaLog>();
  private outage: { start: number; end: number | undefined } | undefined;
  private readonly impatient = { sent: 0, admitted: 0 };
  private lastTick: Counts = noCounts();
  /** The latest transition a replica made on its own (the others follow it through Redis). */
  private lastLocal: { readonly replica: number; readonly to: string; readonly at: number } | undefined;

  constructor(
    statuses: ReadonlyMap<number, ReplicaStatus | undefined>,
    private readonly elapsed: () => number,
    private readonly print: (line: string) => void = line => console.log(line),
  ) {
    for (const [index, status] of statuses) {
      this.replicas.set(index, {
        counts: noCounts(),
        primaryCallTimes: [],
        transitions: [],
        breaker: status?.breaker ?? 'closed',
        status,
        deniedBefore: status?.budgetDenied ?? 0,
        degradedSeconds: 0,
      });
    }
  }

  private current(): Counts {
    return this.phases.get(this.phase) ?? noCounts();
  }

  private replica(index: number): ReplicaLog | undefined {
    return this.replicas.get(index);
  }

  /** A phase starts at `at` (wall-clock ms): the outage begins with its first outage phase and ends after its last. */
  enterPhase(phase: Phase, at: number): void {
    this.phase = phase.name;
    if (!this.phases.has(phase.name)) {
      this.phases.set(phase.name, noCounts());
      this.order.push(phase.name);
    }
    if (isOutage(phase) && this.outage === undefined) this.outage = { start: at, end: undefined };
    else if (!isOutage(phase) && this.outage !== undefined) this.outage.end ??= at;
    this.print(`\n${seconds(this.elapsed())}  ── ${phase.name}: ${phase.narration}`);
  }

  /** A message ended on `replica`, counted in the phase it ended in. */
  answered(replica: number, outcome: Outcome, message: Message): void {
    const count = (c: Counts) => {
      c.calls++;
      c[outcome]++;
    };
    count(this.current());
    const log = this.replica(replica);
    if (log !== undefined) count(log.counts);
    if (message.impatient) {
      this.impatient.sent++;
      if (outcome !== 'rate_limited') this.impatient.admitted++;
    }
  }

  primaryCall(replica: number, at: number): void {
    this.current().primaryCalls++;
    const log = this.replica(replica);
    if (log === undefined) return;
    log.counts.primaryCalls++;
    log.primaryCallTimes.push(at);
  }

  retried(replica: number, source: 'backoff' | 'retry_after'): void {
    for (const c of [this.current(), this.replica(replica)?.counts]) {
      if (c === undefined) continue;
      c.retries++;
      if (source === 'retry_after') c.retryAfter++;
    }
  }

  /** A breaker transition of `replica`: recorded, and printed with how it came about. */
  transition(replica: number, t: TransitionRecord): void {
    const log = this.replica(replica);
    if (log === undefined) return;
    log.transitions.push(t);
    log.breaker = t.to;
    let how = 'its own calls';
    if (t.origin === 'local') this.lastLocal = { replica, to: t.to, at: t.at };
    else if (this.lastLocal?.to === t.to && this.lastLocal.replica !== replica) {
      how = `from the fleet, ${(t.at - this.lastLocal.at).toFixed(1)} ms after replica ${this.lastLocal.replica}`;
    } else how = 'from the fleet';
    this.event(`replica ${replica}: circuit "openai" ${t.from} → ${t.to} (${how})`);
  }

  status(replica: number, status: ReplicaStatus): void {
    const log = this.replica(replica);
    if (log === undefined) return;
    log.status = status;
    log.breaker = status.breaker;
  }

  event(text: string): void {
    this.print(`${seconds(this.elapsed())}     ⚑ ${text}`);
  }

  private total(): Counts {
    return [...this.phases.values()].reduce(addCounts, noCounts());
  }

  /** Once a second: counts the seconds Redis was away per replica; prints the progress line unless `quiet`. */
  tick(messagesPerSecond: number, quiet: boolean): void {
    const logs = [...this.replicas.values()];
    for (const log of logs) if (log.status?.coordination === 'degraded') log.degradedSeconds++;
    if (quiet) return;
    const total = this.total();
    const last = this.lastTick;
    const d = (key: keyof Counts) => num(total[key] - last[key]);
    this.lastTick = total;
    const budget = logs[0]?.status;
    const ratios = logs.map(l => l.status?.trafficRatio).filter(r => r !== undefined);
    const connected = logs.filter(l => l.status?.coordination === 'connected').length;
    this.print(
      `${seconds(this.elapsed())}  ${pad(this.phase, 16)} ${messagesPerSecond.toFixed(1).padStart(5)}/s │ ` +
        `primary ${d('primary')} backup ${d('backup')} cache ${d('cached')} apology ${d('apology')} ` +
        `limited ${d('rate_limited')} failed ${d('failed')} │ retries ${d('retries')} │ ` +
        `breakers ${logs.map(l => pad(l.breaker, 9)).join(' ')} │ ` +
        (budget === undefined
          ? ''
          : `budget ${Math.floor(budget.budgetAvailable)}/${Math.floor(budget.budgetCapacity)} ${budget.budgetScope} │ `) +
        (ratios.length === 0 ? '' : `traffic ${num(Math.round(Math.min(...ratios) * 100), 3)}% │ `) +
        `redis ${connected}/${logs.length} connected`,
    );
  }

  /** What the summary needs, with each replica's final status (`end`: when the cycle ended, wall-clock ms). */
  record(
    settings: { readonly scenario: string; readonly seed: number },
    finalStatuses: ReadonlyMap<number, ReplicaStatus | undefined>,
    unanswered: number,
    end: number,
  ): FleetRecord {
    return {
      scenario: settings.scenario,
      seed: settings.seed,
      phases: this.order.map(name => ({ name, counts: this.phases.get(name)! })),
      replicas: [...this.replicas].map(([index, log]) => {
        const status = finalStatuses.get(index) ?? log.status;
        return {
          index,
          counts: log.counts,
          budgetDenials: (status?.budgetDenied ?? log.deniedBefore) - log.deniedBefore,
          primaryCallTimes: log.primaryCallTimes,
          transitions: log.transitions,
          coordination: status?.coordination,
          degradedSeconds: log.degradedSeconds,
          budgetReplicas: status?.budgetReplicas,
        };
      }),
      outage:
        this.outage === undefined ? undefined : { start: this.outage.start, end: this.outage.end ?? end },
      impatient: { ...this.impatient },
      unanswered,
    };
  }
}
