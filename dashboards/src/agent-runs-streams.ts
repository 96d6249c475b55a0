/**
 * The stream and token rows of the agent-runs dashboard: how long streamed model calls take to their first chunk,
 * how often streams stall or break (before their commit a break is retried or falls back unseen; after it the user
 * saw part of an answer), and how many tokens failures cost next to those of the answers users got.
 */
import type { Row } from './lib/dashboard.js';
import { stat, type Target, timeseries } from './lib/panels.js';
import { orZero, quantile, rate, SERVICE, share, sumBy } from './lib/query.js';
import { STREAM_BROKEN, STREAM_STALLS, TIME_TO_FIRST_CHUNK, TOKENS } from './lib/series.js';

const COMMITTED = 'resilience_stream_committed="true"';
const WASTED = 'resilience_token_kind="wasted"';
const BY_MODEL = ['gen_ai_provider_name', 'gen_ai_request_model'];
const MODEL_LEGEND = '{{gen_ai_provider_name}} {{gen_ai_request_model}}';

/** p50 and p95 of the time to first chunk per model. */
const firstChunkPercentiles = (): Target[] =>
  [0.5, 0.95].map(q => ({
    expr: quantile(q, TIME_TO_FIRST_CHUNK, [SERVICE], BY_MODEL),
    legend: `${MODEL_LEGEND} p${Math.round(q * 100)}`,
  }));

/** The Streams and Tokens rows. Not filtered by agent: stream and token metrics carry the policy, not the agent. */
export const streamRows = (): Row[] => [
  {
    title: 'Streams',
    panels: [
      stat({
        title: 'p95 time to first chunk',
        description:
          'Time from the start of a streamed model call to its first content chunk, retries and fallbacks before the commit included (95th percentile).',
        unit: 's',
        span: 8,
        targets: [{ expr: quantile(0.95, TIME_TO_FIRST_CHUNK, [SERVICE]) }],
      }),
      stat({
        title: 'Stalls / s',
        description:
          'Streams that went longer than stallTimeoutMs without a chunk, before or after their commit.',
        unit: 'ops',
        span: 8,
        targets: [{ expr: orZero(sumBy([], rate(STREAM_STALLS, [SERVICE]))) }],
      }),
      stat({
        title: 'Streams broken after commit / s',
        description:
          'Streams that broke after the user had received part of the answer: reported as errors (or continued by a fallback), never replayed.',
        unit: 'ops',
        span: 8,
        thresholds: [0.01, 0.1],
        targets: [{ expr: orZero(sumBy([], rate(STREAM_BROKEN, [SERVICE, COMMITTED]))) }],
      }),
      timeseries({
        title: 'Time to first chunk p50 / p95 by model',
        description: 'p50 and p95 of the time to the first content chunk of streamed model calls, per model.',
        unit: 's',
        span: 8,
        targets: firstChunkPercentiles(),
      }),
      timeseries({
        title: 'Stalls / s by policy',
        description:
          'Stalls (no chunk for stallTimeoutMs) per policy: committed=false ones were retried or fell back unseen; committed=true ones broke a stream the user was reading.',
        unit: 'ops',
        span: 8,
        targets: [
          {
            expr: sumBy(['resilience_policy', 'resilience_stream_committed'], rate(STREAM_STALLS, [SERVICE])),
            legend: '{{resilience_policy}} committed={{resilience_stream_committed}}',
          },
        ],
      }),
      timeseries({
        title: 'Broken streams / s by commit and category',
        description:
          'Streams that broke (error frame, stall, dropped connection), by whether they had committed and the error category: before the commit they are retried or fall back, after it they are reported or continued.',
        unit: 'ops',
        span: 8,
        targets: [
          {
            expr: sumBy(
              ['resilience_stream_committed', 'resilience_error_category'],
              rate(STREAM_BROKEN, [SERVICE]),
            ),
            legend: 'committed={{resilience_stream_committed}} {{resilience_error_category}}',
          },
        ],
      }),
    ],
  },
  {
    title: 'Tokens',
    panels: [
      stat({
        title: 'Wasted token share',
        description:
          'Share of model tokens spent on attempts that failed, were retried or were replaced by a fallback, rather than on the answers users got.',
        unit: 'percentunit',
        span: 6,
        height: 8,
        thresholds: [0.05, 0.2],
        targets: [{ expr: share({ metric: TOKENS, matchers: [SERVICE], part: [WASTED] }) }],
      }),
      timeseries({
        title: 'Tokens / s: served vs wasted',
        description:
          'Model tokens per second by kind (served: the answer the user got; wasted: failed, retried or replaced attempts) and type (input, output).',
        unit: 'short',
        span: 9,
        stack: true,
        targets: [
          {
            expr: sumBy(['resilience_token_kind', 'gen_ai_token_type'], rate(TOKENS, [SERVICE])),
            legend: '{{resilience_token_kind}} {{gen_ai_token_type}}',
          },
        ],
      }),
      timeseries({
        title: 'Wasted token share by policy',
        description: 'Share of each policy’s model tokens that failures cost (wasted / all).',
        unit: 'percentunit',
        span: 9,
        min: 0,
        max: 1,
        targets: [
          {
            expr: share({ metric: TOKENS, matchers: [SERVICE], part: [WASTED], by: ['resilience_policy'] }),
            legend: '{{resilience_policy}}',
          },
        ],
      }),
    ],
  },
];
