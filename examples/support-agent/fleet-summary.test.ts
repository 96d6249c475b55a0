import { describe, expect, it } from 'vitest';
import {
  type Counts,
  type FleetRecord,
  fleetOutage,
  fleetSummary,
  noCounts,
  type ReplicaRecord,
  type TransitionRecord,
} from './fleet-summary.js';

const counts = (partial: Partial<Counts>): Counts => ({ ...noCounts(), ...partial });
const open = (at: number, origin: 'local' | 'fleet'): TransitionRecord => ({
  from: 'closed',
  to: 'open',
  origin,
  at,
});
const probe = (at: number): TransitionRecord => ({ from: 'open', to: 'half_open', origin: 'local', at });

function replica(index: number, partial: Partial<ReplicaRecord> = {}): ReplicaRecord {
  return {
    index,
    counts: noCounts(),
    budgetDenials: 0,
    primaryCallTimes: [],
    transitions: [],
    coordination: 'connected',
    degradedSeconds: 0,
    budgetReplicas: 3,
    ...partial,
  };
}

/** The primary is down from 10 s to 20 s; replica 2 opens first at 12 s, the others follow through Redis. */
function outageRecord(overrides: Partial<FleetRecord> = {}): FleetRecord {
  return {
    scenario: 'outage',
    seed: 42,
    phases: [
      { name: 'healthy', counts: counts({ calls: 4, primary: 3, rate_limited: 1, primaryCalls: 3 }) },
      { name: 'outage (503)', counts: counts({ calls: 5, backup: 4, cached: 1, retries: 2, retryAfter: 1 }) },
    ],
    replicas: [
      replica(1, {
        counts: counts({ calls: 3, primary: 1, backup: 2, primaryCalls: 4 }),
        // Two calls before the outage, one in it before the first opening, one probe after it.
        primaryCallTimes: [5_000, 9_000, 11_000, 16_000],
        transitions: [
          open(12_004.5, 'fleet'),
          probe(16_000),
          { ...probe(16_050), from: 'half_open', to: 'open' },
        ],
        budgetDenials: 2,
      }),
      replica(2, {
        counts: counts({ calls: 3, primary: 1, rate_limited: 1, cached: 1 }),
        primaryCallTimes: [10_500, 11_500, 11_900],
        transitions: [open(12_000, 'local')],
        budgetDenials: 1,
      }),
      replica(3, {
        counts: counts({ calls: 3, primary: 1, backup: 2 }),
        // An attempt admitted just before the fleet's state arrived, and one after the outage ended.
        primaryCallTimes: [12_001, 21_000],
        transitions: [open(12_002, 'fleet'), probe(22_000)],
        coordination: 'connected',
        degradedSeconds: 2,
      }),
    ],
    outage: { start: 10_000, end: 20_000 },
    impatient: { sent: 40, admitted: 20 },
    unanswered: 0,
    ...overrides,
  };
}

/** The cells of the row starting with `first` in the table whose header contains `header`. */
function row(summary: string, header: string, first: string): string[] {
  const lines = summary.split('\n');
  const start = lines.findIndex(line => line.includes(header));
  return lines
    .slice(start)
    .find(line => line.startsWith(`│ ${first} `))!
    .split('│')
    .slice(1, -1)
    .map(cell => cell.trim());
}

describe('fleetOutage', () => {
  it('finds the first opening, the spread, and the primary calls made after it', () => {
    const outage = fleetOutage(outageRecord())!;
    expect(outage.first).toEqual({ index: 2, at: 12_000 });
    expect(outage.spreadMs).toBe(4.5);
    expect(outage.replicas.map(r => [r.index, r.callsInOutage, r.callsAfterFirstOpen, r.probes])).toEqual([
      [1, 2, 1, 1],
      [2, 3, 0, 0],
      [3, 1, 1, 1],
    ]);
    expect(outage.replicas.map(r => r.probesAfterFirstOpen)).toEqual([1, 0, 0]);
  });

  it('has no spread when a replica’s breaker never opened during the outage', () => {
    const record = outageRecord();
    const lagging = { ...record.replicas[2]!, transitions: [open(25_000, 'local')] };
    const outage = fleetOutage({ ...record, replicas: [record.replicas[0]!, record.replicas[1]!, lagging] })!;
    expect(outage.replicas[2]!.opened).toBeUndefined();
    expect(outage.spreadMs).toBeUndefined();
  });

  it('is undefined without an outage', () => {
    expect(fleetOutage(outageRecord({ outage: undefined }))).toBeUndefined();
  });
});

describe('fleetSummary', () => {
  it('adds up each phase and each replica, with a fleet row', () => {
    const summary = fleetSummary(outageRecord());
    // phase, calls, primary, backup, cached, apology, rate-limited, failed, retries (Retry-After), primary calls
    expect(row(summary, 'phase (fleet)', 'total')).toEqual([
      'total',
      '9',
      '3',
      '4',
      '1',
      '0',
      '1',
      '0',
      '2 (1)',
      '3',
    ]);
    // replica, calls, primary, backup, cached, apology, rate-limited, failed, retries, budget denials, primary calls
    expect(row(summary, '│ replica │ calls', '2')).toEqual([
      '2',
      '3',
      '1',
      '0',
      '1',
      '0',
      '1',
      '0',
      '0 (0)',
      '1',
      '0',
    ]);
    expect(row(summary, '│ replica │ calls', 'fleet')).toEqual([
      'fleet',
      '9',
      '3',
      '4',
      '1',
      '0',
      '1',
      '0',
      '0 (0)',
      '3',
      '4',
    ]);
  });

  it('shows when each breaker opened, how, and what the fleet sent the primary after the first opened', () => {
    const summary = fleetSummary(outageRecord());
    const header = 'breaker opened';
    expect(row(summary, header, '1')).toEqual([
      '1',
      '+2.005 s',
      '+4.5 ms',
      'the fleet (Redis)',
      '2',
      '1',
      '1',
      'connected',
    ]);
    expect(row(summary, header, '2')).toEqual([
      '2',
      '+2.000 s',
      'first',
      'its own failures',
      '3',
      '0',
      '0',
      'connected',
    ]);
    expect(row(summary, header, '3')[7]).toBe('connected (degraded 2 s)');
    const away = outageRecord({
      replicas: outageRecord().replicas.map(r => ({ ...r, coordination: 'degraded', degradedSeconds: 9 })),
    });
    expect(row(fleetSummary(away), header, '1')[7]).toBe('degraded (9 s)');
    expect(row(summary, header, 'fleet')).toEqual(['fleet', '', 'spread 4.5 ms', '', '6', '2', '2', '']);
    expect(summary).toContain(
      "The fleet stopped calling the failing provider together: replica 2's breaker opened first and the other 2 followed through Redis within 4.5 ms; from then until the outage ended the fleet sent the primary 2 requests, 1 of them half-open probes.",
    );
  });

  it('says when the replicas opened their breakers each on its own failures (nothing shared)', () => {
    const record = outageRecord();
    const local = record.replicas.map(r => ({
      ...r,
      transitions: r.transitions.map(t => (t.to === 'open' ? { ...t, origin: 'local' as const } : t)),
    }));
    expect(fleetSummary({ ...record, replicas: local })).toContain(
      "Each breaker had to fail on its own: replica 2's breaker opened first, replica(s) 1, 3 opened on their own failures, all within 4.5 ms;",
    );
  });

  it('says which breakers did not open, and when there was no outage', () => {
    const record = outageRecord();
    const lagging = { ...record.replicas[2]!, transitions: [] };
    const summary = fleetSummary({
      ...record,
      replicas: [record.replicas[0]!, record.replicas[1]!, lagging],
    });
    expect(row(summary, 'breaker opened', '3').slice(1, 4)).toEqual(['not opened', '-', '-']);
    expect(summary).toContain(
      "The breakers did not open together: replica 2's breaker opened first; those of replica(s) 3 did not open during the outage;",
    );
    expect(fleetSummary(outageRecord({ outage: undefined }))).toContain(
      'The primary was not down during this cycle',
    );
  });

  it('tells what the shared per-thread limit and retry budget did, and what had no answer', () => {
    const summary = fleetSummary(outageRecord({ unanswered: 2 }));
    expect(summary).toContain(
      'the impatient customer sent 40 messages in one thread; the fleet admitted 20 and asked them to slow down 20 times',
    );
    expect(summary).toContain('replicas counted at the last exchange: 3, 3, 3); 3 retries refused.');
    expect(summary).toContain('2 messages had no answer when the cycle ended.');
  });
});
