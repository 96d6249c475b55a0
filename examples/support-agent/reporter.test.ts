import { describe, expect, it } from 'vitest';
import { Reporter } from './reporter.js';
import type { SupportAgent } from './support-agent.js';

type FallbackListener = (event: { kind: string; error: { reason: string; strategy?: string } }) => void;

/** The parts of a support agent the reporter subscribes to, with the fallback listener exposed. */
function fakeSupport() {
  const none = { dispose: () => {} };
  let fallback: FallbackListener = () => {};
  const support = {
    breaker: { onTransition: () => none },
    recovery: { onStateChange: () => none },
    features: { onChange: () => none },
    primary: {
      onFallback: (listener: FallbackListener) => {
        fallback = listener;
        return none;
      },
    },
  } as unknown as SupportAgent;
  return {
    support,
    fallback: (kind: string, reason = 'max_attempts') => fallback({ kind, error: { reason } }),
  };
}

/** The summary table's cells of the row named `phase`. */
const row = (summary: string, phase: string): string[] =>
  summary
    .split('\n')
    .find(line => line.startsWith(`│ ${phase} `))!
    .split('│')
    .slice(1, -1)
    .map(cell => cell.trim());

describe('Reporter summary', () => {
  it('counts each call in the phase it finished in, so every row adds up', () => {
    const { support, fallback } = fakeSupport();
    const reporter = new Reporter(
      support,
      () => 0,
      () => {},
    );
    reporter.enterPhase('healthy', 'all good');
    reporter.callEnded(true);
    reporter.callEnded(true);
    reporter.enterPhase('outage', 'primary down');
    fallback('factory', 'budget_exhausted');
    reporter.callEnded(true);
    fallback('cache');
    reporter.callEnded(true);
    reporter.callEnded(false);

    const summary = reporter.summary();
    // phase, calls, primary, backup, cached, apology, failed, retries, budget denials, …
    expect(row(summary, 'healthy').slice(0, 7)).toEqual(['healthy', '2', '2', '0', '0', '0', '0']);
    expect(row(summary, 'outage').slice(0, 9)).toEqual([
      'outage',
      '3',
      '0',
      '1',
      '1',
      '0',
      '1',
      '0 (0)',
      '1',
    ]);
    expect(row(summary, 'total').slice(0, 7)).toEqual(['total', '5', '2', '1', '1', '0', '1']);
    reporter.dispose();
  });
});
