import { describe, expect, it } from 'vitest';
import type { ReplicaStatus } from './fleet-protocol.js';
import { FleetReporter } from './fleet-reporter.js';
import type { Message } from './fleet-workload.js';
import { SCENARIOS } from './scenario.js';

const [healthy, , outage503, outageRefused, recovery] = SCENARIOS.outage!;
const customer: Message = { thread: 'thread-1', question: 'Where is my order #1234?', impatient: false };
const impatient: Message = { ...customer, thread: 'thread-impatient', impatient: true };

const status = (partial: Partial<ReplicaStatus> = {}): ReplicaStatus => ({
  breaker: 'closed',
  coordination: 'connected',
  budgetDenied: 0,
  budgetAvailable: 12.7,
  budgetCapacity: 20.2,
  budgetScope: 'fleet',
  budgetReplicas: 2,
  trafficRatio: 1,
  ...partial,
});

/** A reporter of replicas 1 and 2 whose budgets had refused 5 and 0 retries before the cycle. */
function reporter() {
  const lines: string[] = [];
  const baseline = new Map([
    [1, status({ budgetDenied: 5 })],
    [2, status()],
  ]);
  return {
    lines,
    reporter: new FleetReporter(
      baseline,
      () => 3_000,
      line => lines.push(line),
    ),
  };
}

describe('FleetReporter', () => {
  it('counts each message in its phase and its replica, and the impatient customer’s admissions', () => {
    const { reporter: r } = reporter();
    r.enterPhase(healthy!, 0);
    r.answered(1, 'primary', customer);
    r.answered(2, 'rate_limited', impatient);
    r.answered(2, 'primary', impatient);
    r.primaryCall(1, 100);
    r.retried(2, 'retry_after');
    r.enterPhase(outage503!, 10_000);
    r.answered(1, 'backup', customer);
    r.answered(1, 'failed', customer);
    const record = r.record(
      { scenario: 'outage', seed: 1 },
      new Map([[1, status({ budgetDenied: 8 })]]),
      0,
      30_000,
    );

    expect(record.phases.map(p => [p.name, p.counts.calls, p.counts.primaryCalls, p.counts.retries])).toEqual(
      [
        ['healthy', 3, 1, 1],
        ['outage (503)', 2, 0, 0],
      ],
    );
    expect(record.replicas.map(x => [x.index, x.counts.calls, x.counts.failed, x.counts.retryAfter])).toEqual(
      [
        [1, 3, 1, 0],
        [2, 2, 0, 1],
      ],
    );
    expect(record.replicas[0]!.primaryCallTimes).toEqual([100]);
    expect(record.impatient).toEqual({ sent: 2, admitted: 1 });
    // Denials are the cycle's: 8 - 5 for replica 1; replica 2's final status is its last known one.
    expect(record.replicas.map(x => x.budgetDenials)).toEqual([3, 0]);
  });

  it('takes the outage from the first outage phase to the next phase that is not one (or the end)', () => {
    const { reporter: r } = reporter();
    r.enterPhase(healthy!, 0);
    r.enterPhase(outage503!, 10_000);
    r.enterPhase(outageRefused!, 15_000);
    expect(r.record({ scenario: 'outage', seed: 1 }, new Map(), 0, 18_000).outage).toEqual({
      start: 10_000,
      end: 18_000,
    });
    r.enterPhase(recovery!, 20_000);
    expect(r.record({ scenario: 'outage', seed: 1 }, new Map(), 0, 30_000).outage).toEqual({
      start: 10_000,
      end: 20_000,
    });
  });

  it('prints each transition with how it came about: its own calls, or the fleet after another replica', () => {
    const { reporter: r, lines } = reporter();
    r.transition(2, { from: 'closed', to: 'open', origin: 'local', at: 1_000 });
    r.transition(1, { from: 'closed', to: 'open', origin: 'fleet', at: 1_003.25 });
    expect(lines).toEqual([
      '  3s     ⚑ replica 2: circuit "openai" closed → open (its own calls)',
      '  3s     ⚑ replica 1: circuit "openai" closed → open (from the fleet, 3.3 ms after replica 2)',
    ]);
    expect(
      r.record({ scenario: 'outage', seed: 1 }, new Map(), 0, 2_000).replicas[0]!.transitions,
    ).toHaveLength(1);
  });

  it('prints the fleet’s progress each second and counts the seconds each replica spent without Redis', () => {
    const { reporter: r, lines } = reporter();
    r.enterPhase(outage503!, 0);
    r.answered(1, 'backup', customer);
    r.transition(2, { from: 'closed', to: 'open', origin: 'local', at: 1 });
    r.status(1, status({ coordination: 'degraded', trafficRatio: 0.5 }));
    r.tick(6, false);
    r.answered(2, 'backup', customer);
    r.tick(6, true);
    expect(lines.at(-1)).toBe(
      '  3s  outage (503)       6.0/s │ primary  0 backup  1 cache  0 apology  0 limited  0 failed  0 │ retries  0 │ ' +
        'breakers closed    open      │ budget 12/20 fleet │ traffic  50% │ redis 1/2 connected',
    );
    const record = r.record({ scenario: 'outage', seed: 1 }, new Map(), 0, 5_000);
    expect(record.replicas.map(x => [x.degradedSeconds, x.coordination])).toEqual([
      [2, 'degraded'],
      [0, 'connected'],
    ]);
  });
});
