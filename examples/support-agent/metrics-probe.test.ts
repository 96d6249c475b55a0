import { describe, expect, it } from 'vitest';
import { addCounters, countedBetween, NO_COUNTS, parseStreamCounters } from './metrics-probe.js';

describe("the demo's stream and token counters from /metrics", () => {
  it('sums each counter over policies, models and labels, ignoring other series', () => {
    const exposition = [
      '# TYPE resilience_tokens_total counter',
      'resilience_tokens_total{service_name="support-agent",resilience_policy="model.gpt-4o-mini",resilience_token_kind="served",gen_ai_token_type="input"} 120',
      'resilience_tokens_total{service_name="support-agent",resilience_policy="model.gpt-4o-mini",resilience_token_kind="served",gen_ai_token_type="output"} 300',
      'resilience_tokens_total{service_name="support-agent",resilience_policy="model.claude-haiku-4-5",resilience_token_kind="wasted",gen_ai_token_type="input"} 24',
      'resilience_stream_broken_total{resilience_policy="model.gpt-4o-mini",resilience_stream_committed="false",resilience_error_category="rate_limited"} 7',
      'resilience_stream_broken_total{resilience_policy="model.gpt-4o-mini",resilience_stream_committed="true",resilience_error_category="network"} 2',
      'resilience_stream_stalls_total{resilience_policy="model.gpt-4o-mini",resilience_stream_committed="true"} 1',
      'resilience_tokens_total_bogus{resilience_token_kind="served"} 1000',
      'resilience_retries_total{resilience_policy="model.gpt-4o-mini"} 9',
    ].join('\n');
    expect(parseStreamCounters(exposition)).toEqual({
      brokenBeforeFirstChunk: 7,
      brokenAfterFirstChunk: 2,
      stalls: 1,
      servedTokens: 420,
      wastedTokens: 24,
    });
  });

  it('reads nothing from hostile or malformed text, in linear time', () => {
    expect(parseStreamCounters(`resilience_tokens_total{${'a'.repeat(200_000)}`)).toEqual(NO_COUNTS);
    expect(parseStreamCounters('resilience_tokens_total{resilience_token_kind="served"} NaN')).toEqual(
      NO_COUNTS,
    );
  });

  it('takes differences (a phase) and sums (the total)', () => {
    const a = { ...NO_COUNTS, servedTokens: 100, stalls: 1 };
    const b = { ...NO_COUNTS, servedTokens: 400, stalls: 3 };
    expect(countedBetween(a, b)).toEqual({ ...NO_COUNTS, servedTokens: 300, stalls: 2 });
    expect(addCounters(a, b)).toEqual({ ...NO_COUNTS, servedTokens: 500, stalls: 4 });
  });
});
