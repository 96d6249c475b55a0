import type { StreamEvent } from '@openai/agents-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallCancelledError, type ResilienceError, StreamBrokenError } from '../../errors/call-errors.js';
import {
  ATTR_RESILIENCE_ERROR_CATEGORY,
  ATTR_RESILIENCE_TOKEN_KIND,
  METRIC_FALLBACKS,
  METRIC_TOKENS,
} from '../../semconv.js';
import { httpError } from '../../test-support/errors.js';
import { TestTelemetry } from '../../test-support/otel.js';
import { withResilience } from './resilient-model.js';
import { requestOf, ScriptedModel } from './test-support/scripted-model.js';

/** Reads a stream to its end or its error, keeping what arrived before. */
async function drain(stream: AsyncIterable<StreamEvent>): Promise<{ events: StreamEvent[]; error: unknown }> {
  const events: StreamEvent[] = [];
  try {
    for await (const event of stream) events.push(event);
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}

const text = (events: StreamEvent[]): string =>
  events.map(e => (e.type === 'output_text_delta' ? e.delta : '')).join('');
const count = (events: StreamEvent[], type: StreamEvent['type']): number =>
  events.filter(e => e.type === type).length;

describe('withResilience: getStreamedResponse', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
    vi.useFakeTimers();
  });
  afterEach(async () => {
    vi.useRealTimers();
    await otel.uninstall();
  });

  const chain = (primary: ScriptedModel, backup: ScriptedModel, extra: object = {}) =>
    withResilience(
      { model: primary, name: 'gpt-4o' },
      {
        registry: null,
        fallbacks: [{ model: backup, name: 'gpt-4o-mini' }],
        policy: {},
        stream: { stallTimeoutMs: 1_000 },
        ...extra,
      },
    );

  it('sends a stream that stalls before its first content to the next model, showing nothing twice', async () => {
    const primary = new ScriptedModel([{ stallAfter: 0, answer: 'never sent' }]);
    const backup = new ScriptedModel([], { answer: 'From the backup.' });
    const model = chain(primary, backup);
    const reading = drain(model.getStreamedResponse(requestOf()));
    await vi.advanceTimersByTimeAsync(1_000);
    const { events, error } = await reading;
    expect(error).toBeUndefined();
    expect(text(events)).toBe('From the backup.');
    expect(count(events, 'response_started')).toBe(1);
    expect(count(events, 'response_done')).toBe(1);
    expect(primary.openStreams).toBe(0);
    expect(primary.requests[0]?.signal?.aborted).toBe(true);
    model.dispose();
  });

  it('classifies an error frame before the first content like the HTTP error, and falls back', async () => {
    const frame = { type: 'error', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests' };
    const primary = new ScriptedModel([{ rawEvent: frame }]);
    const backup = new ScriptedModel([], { answer: 'From the backup.' });
    const model = chain(primary, backup);
    const { events } = await drain(model.getStreamedResponse(requestOf()));
    expect(text(events)).toBe('From the backup.');
    expect(events.some(e => e.type === 'model')).toBe(false);
    expect(await otel.total(METRIC_FALLBACKS, { [ATTR_RESILIENCE_ERROR_CATEGORY]: 'rate_limited' })).toBe(1);
    model.dispose();
  });

  it('ends a stream that breaks after its first content with a classified StreamBrokenError', async () => {
    const primary = new ScriptedModel([
      { breakAfter: 2, answer: 'One two three four.', error: httpError(502) },
    ]);
    const backup = new ScriptedModel();
    const model = chain(primary, backup);
    const { events, error } = await drain(model.getStreamedResponse(requestOf()));
    expect(text(events)).toBe('One two ');
    expect(error).toBeInstanceOf(StreamBrokenError);
    expect((error as StreamBrokenError).classified.category).toBe('server_error');
    expect(backup.requests).toHaveLength(0);
    model.dispose();
  });

  it('closes the provider stream when the consumer stops reading, and on the caller abort', async () => {
    const primary = new ScriptedModel([{ stallAfter: 1, answer: 'Hello there.' }], {
      stallAfter: 1,
      answer: 'Hello again.',
    });
    const model = chain(primary, new ScriptedModel(), { stream: {} });
    for await (const event of model.getStreamedResponse(requestOf())) {
      if (event.type === 'output_text_delta') break;
    }
    expect(primary.openStreams).toBe(0);
    expect(primary.requests[0]?.signal?.aborted).toBe(true);

    const caller = new AbortController();
    const reading = drain(model.getStreamedResponse(requestOf({ signal: caller.signal })));
    await vi.advanceTimersByTimeAsync(0);
    caller.abort();
    const { events, error } = await reading;
    expect(text(events)).toBe('Hello ');
    expect(error).toBeInstanceOf(CallCancelledError);
    expect(primary.openStreams).toBe(0);
    model.dispose();
  });

  it('never replays a stateful stream that stalled: no retry, no fallback', async () => {
    const primary = new ScriptedModel([{ stallAfter: 0, answer: 'never sent' }]);
    const backup = new ScriptedModel();
    const model = chain(primary, backup, { policy: { retry: { initialDelayMs: 1 } } });
    const reading = drain(model.getStreamedResponse(requestOf({ previousResponseId: 'resp_0' })));
    await vi.advanceTimersByTimeAsync(5_000);
    const { events, error } = await reading;
    expect(events).toEqual([]);
    expect((error as ResilienceError).classified.category).toBe('timeout');
    expect(primary.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(0);
    expect(primary.openStreams).toBe(0);
    model.dispose();
  });

  it('retries a stateful stream whose model marks the failure replay-safe', async () => {
    const primary = new ScriptedModel([{ fail: httpError(429, { 'x-should-retry': 'true' }) }]);
    primary.advice = { suggested: true, replaySafety: 'safe' };
    const model = chain(primary, new ScriptedModel(), { policy: { retry: { initialDelayMs: 1 } } });
    const reading = drain(model.getStreamedResponse(requestOf({ conversationId: 'conv_1' })));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(text((await reading).events)).toBe('Hello there.');
    expect(primary.requests).toHaveLength(2);
    model.dispose();
  });

  it('counts the usage a response_done reports as served tokens', async () => {
    const primary = new ScriptedModel([
      { fail: httpError(503) },
      { answer: 'Served answer.', usage: { inputTokens: 30, outputTokens: 7 } },
    ]);
    const model = chain(primary, new ScriptedModel(), { policy: { retry: { initialDelayMs: 1 } } });
    const reading = drain(model.getStreamedResponse(requestOf()));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(text((await reading).events)).toBe('Served answer.');
    expect(await otel.total(METRIC_TOKENS, { [ATTR_RESILIENCE_TOKEN_KIND]: 'served' })).toBe(37);
    model.dispose();
  });
});
