import { describe, expect, it } from 'vitest';
import { hedgingTable, runHedgingBench } from './hedging.js';

describe('hedging bench (virtual time: its figures are the bench, checked here only for consistency)', () => {
  it('runs every configuration; the policy counts the hedges the provider received', async () => {
    const rows = await runHedgingBench(true);
    expect(rows.map(r => r.configuration)).toEqual([
      'no hedging',
      'fixed delay = p99 of T (≈ 1 % extra)',
      'fixed delay = p95 of T (≈ 5 % extra)',
      'fixed delay = p90 of T (≈ 10 % extra)',
      'learned delay, percentile 0.9',
      'learned delay, percentile 0.88',
      'fixed p90 + breaker + budget 5 % of calls',
    ]);
    for (const r of rows) {
      expect(r.failed).toBe(0);
      const hedgesStarted = Math.round(r.extraRequests * r.calls);
      expect(r.hedges.won + r.hedges.lost).toBe(hedgesStarted);
      expect(r.hedges.won).toBe(r.answeredByHedge);
      expect(r.p50 <= r.p95 && r.p95 <= r.p99 && r.p99 <= r.p999).toBe(true);
    }
    const [none, , , atP90, , , guarded] = rows;
    expect(none!.extraRequests).toBe(0);
    expect(atP90!.hedges.denied).toBe(0);
    expect(atP90!.p99).toBeLessThan(none!.p99);
    // The guarded row sees the same hedge opportunities as the p90 row; the budget denies some of them.
    expect(guarded!.hedges.denied).toBeGreaterThan(0);
    expect(guarded!.hedges.won + guarded!.hedges.lost + guarded!.hedges.denied).toBe(
      atP90!.hedges.won + atP90!.hedges.lost,
    );
  });

  it('is reproducible (seeded workload, virtual time) and gives each hedged row a goal verdict', async () => {
    const text = hedgingTable(await runHedgingBench(true));
    expect(hedgingTable(await runHedgingBench(true))).toBe(text);
    expect(text.split('\n').filter(line => /\s(PASS|FAIL) \|$/.test(line))).toHaveLength(6);
  });
});
