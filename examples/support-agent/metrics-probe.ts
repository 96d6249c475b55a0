/**
 * Reads the SDK's stream and token counters from the demo's own /metrics endpoint, so the summary shows the numbers
 * the dashboards show: streams broken before and after their first content chunk, stalls, tokens served and wasted.
 */

/** Stream and token counters of the whole process (or, as a difference, of one phase). */
export interface StreamCounters {
  /** Streamed attempts that failed before their first content chunk (retried or fell back, unseen). */
  readonly brokenBeforeFirstChunk: number;
  /** Streams that broke after their first content chunk (the customer saw part of the answer). */
  readonly brokenAfterFirstChunk: number;
  /** Streams that went `stallTimeoutMs` without a chunk. */
  readonly stalls: number;
  /** Tokens of the answers customers got. */
  readonly servedTokens: number;
  /** Tokens of attempts that failed, were retried, broke or were replaced by a fallback. */
  readonly wastedTokens: number;
}

export const NO_COUNTS: StreamCounters = Object.freeze({
  brokenBeforeFirstChunk: 0,
  brokenAfterFirstChunk: 0,
  stalls: 0,
  servedTokens: 0,
  wastedTokens: 0,
});

const SERIES = /^(resilience_(?:tokens|stream_broken|stream_stalls)_total)\{([^}]*)\}\s+([0-9.eE+-]+)\s*$/;
const label = (labels: string, name: string): string | undefined =>
  new RegExp(`(?:^|,)${name}="([a-z]+)"`).exec(labels)?.[1];

/** Which counter a series of the exposition adds to, if any. */
function counterOf(metric: string, labels: string): keyof StreamCounters | undefined {
  if (metric === 'resilience_tokens_total') {
    const kind = label(labels, 'resilience_token_kind');
    return kind === 'served' ? 'servedTokens' : kind === 'wasted' ? 'wastedTokens' : undefined;
  }
  if (metric === 'resilience_stream_stalls_total') return 'stalls';
  const committed = label(labels, 'resilience_stream_committed');
  return committed === 'true'
    ? 'brokenAfterFirstChunk'
    : committed === 'false'
      ? 'brokenBeforeFirstChunk'
      : undefined;
}

/** Sums the stream and token counters of a Prometheus text exposition over policies, models and categories. */
export function parseStreamCounters(exposition: string): StreamCounters {
  const counts = { ...NO_COUNTS };
  for (const line of exposition.split('\n')) {
    const series = SERIES.exec(line);
    if (series === null) continue;
    const counter = counterOf(series[1]!, series[2]!);
    const value = Number(series[3]);
    if (counter !== undefined && Number.isFinite(value)) counts[counter] += value;
  }
  return counts;
}

/** The counters on the demo's own /metrics endpoint; undefined when they cannot be read. */
export async function readStreamCounters(
  metricsUrl: string | undefined,
): Promise<StreamCounters | undefined> {
  if (metricsUrl === undefined) return undefined;
  try {
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? parseStreamCounters(await response.text()) : undefined;
  } catch {
    return undefined;
  }
}

const KEYS = Object.keys(NO_COUNTS) as (keyof StreamCounters)[];

/** `a + sign × b`, counter by counter. */
const combine = (a: StreamCounters, b: StreamCounters, sign: 1 | -1): StreamCounters =>
  Object.fromEntries(KEYS.map(key => [key, a[key] + sign * b[key]])) as unknown as StreamCounters;

/** What was counted from `before` to `after`. */
export const countedBetween = (before: StreamCounters, after: StreamCounters): StreamCounters =>
  combine(after, before, -1);

/** The sum of two counts (phases into a total). */
export const addCounters = (a: StreamCounters, b: StreamCounters): StreamCounters => combine(a, b, 1);
