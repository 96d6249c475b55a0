import { describe, expect, it } from 'vitest';
import { Reporter } from './reporter.js';
import type { SupportAgent } from './support-agent.js';

type FallbackListener = (event: { kind: string; error: { reason: string; strategy?: string } }) => void;

/** The parts of a support agent the reporter subscribes to, with the fallback listener exposed. */
function fakeSupport() {
  const none = { dispose: () => {} };
  let fallback: FallbackListener = () => {};
  const budget = { denied: 2 };
  const support = {
    breaker: { onTransition: () => none },
    recovery: { onStateChange: () => none },
    features: { onChange: () => none },
    budget: { snapshot: () => ({ ...budget, available: 0, capacity: 10 }) },
    onFallback: (listener: FallbackListener) => {
      fallback = listener;
      return none;
    },
  } as unknown as SupportAgent;
  return {
    support,
    fallback: (kind: string, reason = 'max_attempts', strategy?: string) =>
      fallback({ kind, error: { reason, ...(strategy === undefined ? {} : { strategy }) } }),
    /** The budget refuses `count` more retries. */
    deny: (count: number) => {
      budget.denied += count;
    },
  };
}

/** The cells of the first row named `phase` of the table starting at the line matching `header`. */
const row = (summary: string, phase: string, header = /│ phase +│ calls/): string[] => {
  const lines = summary.split('\n');
  const start = lines.findIndex(line => header.test(line));
  return lines
    .slice(start)
    .find(line => line.startsWith(`│ ${phase} `))!
    .split('│')
    .slice(1, -1)
    .map(cell => cell.trim());
};
const streamRow = (summary: string, phase: string) => row(summary, phase, /│ phase +│ streams /);

const silentReporter = (support: SupportAgent) =>
  new Reporter(
    support,
    () => 0,
    () => {},
  );

describe('Reporter summary', () => {
  it('counts each call in the phase it finished in, by who answered, so every row adds up', () => {
    const { support, fallback, deny } = fakeSupport();
    const reporter = silentReporter(support);
    reporter.enterPhase('healthy', 'all good');
    reporter.callEnded('primary');
    reporter.callEnded('primary');
    reporter.enterPhase('outage', 'primary down');
    deny(3);
    fallback('factory', 'rejected', 'recovery');
    reporter.callEnded('backup');
    reporter.callEnded('cached');
    reporter.callEnded('failed');

    const summary = reporter.summary();
    // phase, calls, primary, backup, cached, apology, failed, retries, budget denials, shed by ramp
    expect(row(summary, 'healthy').slice(0, 10)).toEqual([
      'healthy',
      '2',
      '2',
      '0',
      '0',
      '0',
      '0',
      '0 (0)',
      '0',
      '0',
    ]);
    expect(row(summary, 'outage').slice(0, 10)).toEqual([
      'outage',
      '3',
      '0',
      '1',
      '1',
      '0',
      '1',
      '0 (0)',
      '3',
      '1',
    ]);
    expect(row(summary, 'total').slice(0, 10)).toEqual([
      'total',
      '5',
      '2',
      '1',
      '1',
      '0',
      '1',
      '0 (0)',
      '3',
      '1',
    ]);
    reporter.dispose();
  });

  it('adds the streams per phase: time to first chunk p50 / p95, and what the SDK counted between phase changes', () => {
    const reporter = silentReporter(fakeSupport().support);
    const counters = (broken: number, servedTokens: number) => ({
      brokenBeforeFirstChunk: broken,
      brokenAfterFirstChunk: broken * 2,
      stalls: broken,
      servedTokens,
      wastedTokens: broken * 10,
    });
    reporter.countersRead(counters(5, 1_000)); // before the cycle: only a baseline
    reporter.enterPhase('healthy', 'all good');
    for (const ms of [100, 200, 300, 400]) reporter.firstChunk(ms);
    reporter.countersRead(counters(5, 1_900));
    reporter.enterPhase('recovery', 'flaky streams');
    reporter.firstChunk(2_600);
    reporter.countersRead(undefined); // /metrics unreadable: the next reading covers it
    reporter.countersRead(counters(8, 2_500));

    const summary = reporter.summary();
    expect(streamRow(summary, 'healthy')).toEqual([
      'healthy',
      '4',
      '0.20 s',
      '0.40 s',
      '0',
      '0',
      '0',
      '900',
      '0',
    ]);
    expect(streamRow(summary, 'recovery')).toEqual([
      'recovery',
      '1',
      '2.60 s',
      '2.60 s',
      '3',
      '6',
      '3',
      '600',
      '30',
    ]);
    expect(streamRow(summary, 'total')).toEqual([
      'total',
      '5',
      '0.30 s',
      '2.60 s',
      '3',
      '6',
      '3',
      '1500',
      '30',
    ]);
    reporter.dispose();
  });

  it('shows "-" for what it could not read or measure, and for a ramp the agent does not have', () => {
    const reporter = silentReporter({ ...fakeSupport().support, recovery: undefined });
    reporter.enterPhase('outage', 'everything fails');
    reporter.callEnded('apology');
    expect(streamRow(reporter.summary(), 'outage')).toEqual([
      'outage',
      '0',
      '-',
      '-',
      '-',
      '-',
      '-',
      '-',
      '-',
    ]);
    reporter.dispose();
  });
});
