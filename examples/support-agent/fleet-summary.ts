/**
 * The fleet demo's summary: who answered per phase and per replica, and the outage as the fleet lived it (when
 * each replica's breaker opened and how, the primary calls made after the first one opened, half-open probes,
 * the coordination state), then what the shared limit and budget did.
 */
import { THREAD_LIMIT } from './fleet-protocol.js';
import { table } from './table.js';

/** What was counted for a phase, a replica, or the fleet. */
export interface Counts {
  /** Messages that ended: calls = primary + backup + cached + apology + rate_limited + failed. */
  calls: number;
  primary: number;
  backup: number;
  cached: number;
  apology: number;
  rate_limited: number;
  failed: number;
  retries: number;
  /** Retries whose wait the server set (Retry-After). */
  retryAfter: number;
  /** Requests sent to the primary provider. */
  primaryCalls: number;
}

export const noCounts = (): Counts => ({
  calls: 0,
  primary: 0,
  backup: 0,
  cached: 0,
  apology: 0,
  rate_limited: 0,
  failed: 0,
  retries: 0,
  retryAfter: 0,
  primaryCalls: 0,
});

export function addCounts(a: Counts, b: Counts): Counts {
  const sum = noCounts();
  for (const key of Object.keys(sum) as (keyof Counts)[]) sum[key] = a[key] + b[key];
  return sum;
}

/** A breaker transition of a replica; `at` is wall-clock ms, comparable across the fleet. */
export interface TransitionRecord {
  readonly from: string;
  readonly to: string;
  readonly origin: 'local' | 'fleet';
  readonly at: number;
}

/** One replica's cycle. */
export interface ReplicaRecord {
  readonly index: number;
  readonly counts: Counts;
  /** Retries its budget refused in the cycle. */
  readonly budgetDenials: number;
  /** When it sent each primary request (wall-clock ms). */
  readonly primaryCallTimes: readonly number[];
  readonly transitions: readonly TransitionRecord[];
  /** Its coordination state at the end (undefined: unknown). */
  readonly coordination: string | undefined;
  /** Seconds its status said `degraded`. */
  readonly degradedSeconds: number;
  /** Replicas its shared budget counted at its last exchange. */
  readonly budgetReplicas: number | undefined;
}

/** One cycle of the fleet demo. */
export interface FleetRecord {
  readonly scenario: string;
  readonly seed: number;
  readonly phases: readonly { readonly name: string; readonly counts: Counts }[];
  readonly replicas: readonly ReplicaRecord[];
  /** When the primary was down (wall-clock ms), if the scenario has an outage. */
  readonly outage: { readonly start: number; readonly end: number } | undefined;
  /** Messages of the impatient customer, and how many the fleet admitted. */
  readonly impatient: { readonly sent: number; readonly admitted: number };
  /** Messages that had no answer when the cycle ended. */
  readonly unanswered: number;
}

/** The outage as one replica lived it. */
export interface ReplicaOutage {
  readonly index: number;
  /** Its first opening during the outage, if any. */
  readonly opened: TransitionRecord | undefined;
  readonly callsInOutage: number;
  /** Primary calls from the fleet's first opening to the end of the outage. */
  readonly callsAfterFirstOpen: number;
  /** Half-open probes (open → half-open: it held the fleet's probe lease) in the cycle. */
  readonly probes: number;
  /** Of them, probes from the fleet's first opening to the end of the outage. */
  readonly probesAfterFirstOpen: number;
}

/** The outage across the fleet. */
export interface FleetOutage {
  readonly replicas: readonly ReplicaOutage[];
  /** The replica whose breaker opened first, and when. */
  readonly first: { readonly index: number; readonly at: number } | undefined;
  /** From the first opening to the last replica's, ms (undefined unless every replica opened). */
  readonly spreadMs: number | undefined;
}

const within = (at: number, from: number, to: number): boolean => at >= from && at < to;
const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** When each replica's breaker opened during the outage, and the primary calls made around it. */
export function fleetOutage(record: FleetRecord): FleetOutage | undefined {
  const { outage } = record;
  if (outage === undefined) return undefined;
  const openings = record.replicas.map(r =>
    r.transitions.find(t => t.to === 'open' && within(t.at, outage.start, outage.end)),
  );
  let first: FleetOutage['first'];
  for (const [i, opened] of openings.entries()) {
    if (opened !== undefined && (first === undefined || opened.at < first.at)) {
      first = { index: record.replicas[i]!.index, at: opened.at };
    }
  }
  const firstAt = first?.at ?? outage.end;
  const replicas = record.replicas.map((r, i) => {
    const probeTimes = r.transitions.filter(t => t.to === 'half_open').map(t => t.at);
    return {
      index: r.index,
      opened: openings[i],
      callsInOutage: r.primaryCallTimes.filter(at => within(at, outage.start, outage.end)).length,
      callsAfterFirstOpen: r.primaryCallTimes.filter(at => within(at, firstAt, outage.end)).length,
      probes: probeTimes.length,
      probesAfterFirstOpen: probeTimes.filter(at => within(at, firstAt, outage.end)).length,
    };
  });
  const times = openings.map(o => o?.at);
  const spreadMs = times.every(at => at !== undefined)
    ? Math.max(...(times as number[])) - Math.min(...(times as number[]))
    : undefined;
  return { replicas, first, spreadMs };
}

const COUNT_HEADER = ['calls', 'primary', 'backup', 'cached', 'apology', 'rate-limited', 'failed'];
const countCells = (c: Counts): string[] =>
  [c.calls, c.primary, c.backup, c.cached, c.apology, c.rate_limited, c.failed].map(String);
const retryCell = (c: Counts): string => `${c.retries} (${c.retryAfter})`;
const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

function phasesTable(record: FleetRecord): string {
  const rows = [
    ...record.phases,
    { name: 'total', counts: record.phases.map(p => p.counts).reduce(addCounts, noCounts()) },
  ];
  return table(
    ['phase (fleet)', ...COUNT_HEADER, 'retries (Retry-After)', 'primary calls'],
    rows.map(({ name, counts }) => [
      name,
      ...countCells(counts),
      retryCell(counts),
      String(counts.primaryCalls),
    ]),
  );
}

function replicasTable(record: FleetRecord): string {
  const fleet = record.replicas.map(r => r.counts).reduce(addCounts, noCounts());
  const denials = sum(record.replicas.map(r => r.budgetDenials));
  const row = (name: string, c: Counts, budgetDenials: number) => [
    name,
    ...countCells(c),
    retryCell(c),
    String(budgetDenials),
    String(c.primaryCalls),
  ];
  return table(
    ['replica', ...COUNT_HEADER, 'retries (Retry-After)', 'budget denials', 'primary calls'],
    [
      ...record.replicas.map(r => row(String(r.index), r.counts, r.budgetDenials)),
      row('fleet', fleet, denials),
    ],
  );
}

const secondsAfter = (at: number, start: number): string => `+${((at - start) / 1000).toFixed(3)} s`;

function coordinationCell(r: ReplicaRecord): string {
  const state = r.coordination ?? 'unknown';
  if (r.degradedSeconds === 0) return state;
  return state === 'degraded'
    ? `degraded (${r.degradedSeconds} s)`
    : `${state} (degraded ${r.degradedSeconds} s)`;
}

function outageTable(record: FleetRecord, outage: FleetOutage, start: number): string {
  const rows = outage.replicas.map((o, i) => {
    const r = record.replicas[i]!;
    const opened = o.opened;
    return [
      String(o.index),
      opened === undefined ? 'not opened' : secondsAfter(opened.at, start),
      opened === undefined || outage.first === undefined
        ? '-'
        : o.index === outage.first.index
          ? 'first'
          : `+${(opened.at - outage.first.at).toFixed(1)} ms`,
      opened === undefined ? '-' : opened.origin === 'local' ? 'its own failures' : 'the fleet (Redis)',
      String(o.callsInOutage),
      String(o.callsAfterFirstOpen),
      String(o.probes),
      coordinationCell(r),
    ];
  });
  const total = (pick: (o: ReplicaOutage) => number) => String(sum(outage.replicas.map(pick)));
  rows.push([
    'fleet',
    '',
    outage.spreadMs === undefined ? '-' : `spread ${outage.spreadMs.toFixed(1)} ms`,
    '',
    total(o => o.callsInOutage),
    total(o => o.callsAfterFirstOpen),
    total(o => o.probes),
    '',
  ]);
  return table(
    [
      'replica',
      'breaker opened',
      'after the first',
      'opened by',
      'primary calls in outage',
      '… after the first opened',
      'half-open probes',
      'coordination',
    ],
    rows,
  );
}

/** The sentence a viewer should take away from the outage table. */
function outageVerdict(outage: FleetOutage): string {
  const closed = outage.replicas.filter(o => o.opened === undefined).map(o => o.index);
  if (outage.first === undefined) return 'No breaker opened during the outage.';
  const after = sum(outage.replicas.map(o => o.callsAfterFirstOpen));
  const probes = sum(outage.replicas.map(o => o.probesAfterFirstOpen));
  const calls = `from then until the outage ended the fleet sent the primary ${plural(after, 'request')}, ${probes} of them half-open probes`;
  const first = `replica ${outage.first.index}'s breaker opened first`;
  if (closed.length > 0) {
    return `The breakers did not open together: ${first}; those of replica(s) ${closed.join(', ')} did not open during the outage; ${calls}.`;
  }
  const followers = outage.replicas.filter(o => o.index !== outage.first?.index);
  const own = followers.filter(o => o.opened?.origin === 'local').map(o => o.index);
  const spread = `${outage.spreadMs?.toFixed(1)} ms`;
  if (own.length > 0) {
    return `Each breaker had to fail on its own: ${first}, replica(s) ${own.join(', ')} opened on their own failures, all within ${spread}; ${calls}.`;
  }
  return `The fleet stopped calling the failing provider together: ${first} and the other ${followers.length} followed through Redis within ${spread}; ${calls}.`;
}

/** The fleet summary of one cycle. */
export function fleetSummary(record: FleetRecord): string {
  const lines = [phasesTable(record), replicasTable(record)];
  const outage = fleetOutage(record);
  if (record.outage === undefined || outage === undefined) {
    lines.push('The primary was not down during this cycle: the breakers had nothing to open for.');
  } else {
    const { start, end } = record.outage;
    lines.push(
      `The outage: the primary was down for ${((end - start) / 1000).toFixed(1)} s (times below are from its start).`,
      outageTable(record, outage, start),
      outageVerdict(outage),
    );
  }
  const { sent, admitted } = record.impatient;
  const perWindow = `${THREAD_LIMIT.limit} messages per ${THREAD_LIMIT.intervalMs / 1000} s`;
  lines.push(
    `Per-thread limit (${perWindow}): the impatient customer sent ${sent} messages in one thread; the fleet admitted ${admitted} and asked them to slow down ${plural(sent - admitted, 'time')} (per process, each of the ${record.replicas.length} replicas would admit its own ${perWindow}).`,
  );
  const counted = record.replicas.map(r => r.budgetReplicas).filter(n => n !== undefined);
  lines.push(
    `Retry budget "llm-retries": one budget for the fleet (${counted.length === 0 ? 'no exchange with Redis yet' : `replicas counted at the last exchange: ${counted.join(', ')}`}); ${sum(record.replicas.map(r => r.budgetDenials))} retries refused.`,
  );
  if (record.unanswered > 0) lines.push(`${record.unanswered} messages had no answer when the cycle ended.`);
  return lines.join('\n');
}
