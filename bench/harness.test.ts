import { describe, expect, it } from 'vitest';
import { CASE, successPathCases } from './cases.js';
import { classifyLinearTable, LINEAR_CASES } from './classify-linear.js';
import { coordinationTable, runCoordinationBench } from './coordination.js';
import { ratio, runBench } from './harness.js';
import { runStreamBench, streamTable } from './stream.js';
import { table } from './table.js';
import { zeroDelayTable } from './zero-delay.js';

describe('benchmark harness (no timing assertions: those are the benchmark itself)', () => {
  it('runs every case for the requested rounds and aligns the rounds across cases', async () => {
    let calls = 0;
    const results = await runBench(
      [
        { name: 'a', run: async () => calls++ },
        { name: 'b', run: async () => calls++ },
      ],
      { rounds: 2, windowMs: 5 },
    );
    expect(results.map(r => r.name)).toEqual(['a', 'b']);
    for (const r of results) {
      expect(r.rounds).toHaveLength(2);
      expect(r.nsPerOp).toBeGreaterThan(0);
    }
    expect(calls).toBeGreaterThan(0);
    expect(ratio(results[0]!, results[0]!)).toBe(1);
  });

  it('builds every success-path case and each one answers', async () => {
    const cases = successPathCases();
    expect(cases.length).toBe(Object.keys(CASE).length);
    for (const c of cases) {
      c.setup?.();
      await expect(c.run()).resolves.toBe(1);
      c.teardown?.();
    }
  });

  it('builds every linear-classification case and each one runs', () => {
    for (const c of LINEAR_CASES) expect(() => c.run(1_000)()).not.toThrow();
    const table = classifyLinearTable(
      [{ name: 'x', smallUs: 1, largeUs: 25, ratio: 25 }],
      [{ input: 'y', ms: 1 }],
    );
    expect(table).toContain('| x ');
    expect(table).toContain('NO');
  });

  it('runs the resilient-stream benchmark end to end in a quick mode', async () => {
    const rows = await runStreamBench(true);
    expect(rows.map(r => r.configuration)).toEqual([
      'bare for await',
      'executeStream, no OTel SDK',
      'executeStream, metrics SDK',
    ]);
    expect(streamTable(rows)).toContain('ns per chunk added');
  });

  it('runs the shared-pieces benchmark on a real redis-server: no call fails, Redis up or killed', async () => {
    const rows = await runCoordinationBench(true);
    expect(rows?.map(r => `${r.piece}/${r.redis}`)).toEqual([
      'breaker/up',
      'budget/up',
      'rate limiter/up',
      'breaker/killed',
      'budget/killed',
      'rate limiter/killed',
    ]);
    for (const row of rows ?? []) expect(row.failed, `${row.piece} with Redis ${row.redis}`).toBe(0);
    expect(coordinationTable(rows)).toContain('added µs');
  }, 60_000);

  it('renders the zero-delay retry table', () => {
    const rendered = zeroDelayTable([{ implementation: 'ours', calls: 10, usPerRetry: 1.5 }]);
    expect(rendered).toContain('| ours ');
    expect(rendered).toContain('1.50');
  });

  it('renders aligned Markdown tables', () => {
    expect(
      table(
        ['case', 'n'],
        [
          ['x', '1'],
          ['longer', '22'],
        ],
      ),
    ).toBe(['| case   |  n |', '| ------ | -: |', '| x      |  1 |', '| longer | 22 |'].join('\n'));
  });
});
