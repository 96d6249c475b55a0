import type { StreamCounters } from './metrics-probe.js';
import { table } from './table.js';

/** One phase's streams: the times to first chunk of its answers and the SDK's counters, when known. */
export interface PhaseStreams {
  readonly name: string;
  readonly firstChunksMs: readonly number[];
  readonly counters: StreamCounters | undefined;
}

/** The `q` quantile (0..1) of `samples` by nearest rank; undefined without samples. */
export function quantile(samples: readonly number[], q: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const secondsOf = (ms: number | undefined): string =>
  ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`;
const countOf = (value: number | undefined): string =>
  value === undefined ? '-' : String(Math.round(value));

/**
 * The streams part of the summary (the last phase is the total), per phase: the model streams that reached their first content chunk and their
 * time to it (p50, p95; retries and fallbacks before it included), then what the SDK counted (its /metrics):
 * streamed attempts broken before their first chunk (retried or replaced unseen), streams broken after it, stalls,
 * and the tokens of the answers served and those wasted on failed, retried, broken or replaced attempts.
 */
export function streamsTable(phases: readonly PhaseStreams[]): string {
  const rows = phases.map(({ name, firstChunksMs, counters }) => [
    name,
    String(firstChunksMs.length),
    secondsOf(quantile(firstChunksMs, 0.5)),
    secondsOf(quantile(firstChunksMs, 0.95)),
    countOf(counters?.brokenBeforeFirstChunk),
    countOf(counters?.brokenAfterFirstChunk),
    countOf(counters?.stalls),
    countOf(counters?.servedTokens),
    countOf(counters?.wastedTokens),
  ]);
  const streams = table(
    [
      'phase',
      'streams',
      'first chunk p50',
      'first chunk p95',
      'broken before 1st chunk',
      'broken after 1st chunk',
      'stalls',
      'tokens served',
      'tokens wasted',
    ],
    rows,
  );
  return [streams, ...legend(phases.at(-1)?.counters)].join('\n');
}

/** What the columns count, with the share of tokens wasted over all phases (`total`). */
function legend(total: StreamCounters | undefined): string[] {
  const lines = [
    'streams: model streams that reached their first content chunk (p50/p95: from asking, retries and fallbacks included)',
    'broken before 1st chunk: attempts that failed before it (429, 5xx, error frame, timeout, drop): retried or replaced, unseen',
    'broken after 1st chunk: the customer saw part of an answer; never replayed, the run restarts',
  ];
  if (total === undefined) return lines;
  const all = total.servedTokens + total.wastedTokens;
  const share = all === 0 ? 0 : (100 * total.wastedTokens) / all;
  return [
    ...lines,
    `tokens wasted: ${share.toFixed(1)} % of all, on attempts that failed, were retried, broke or were replaced`,
  ];
}
