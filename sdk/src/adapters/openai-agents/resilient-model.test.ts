import type { ModelRequest } from '@openai/agents-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallCancelledError, ResilienceError } from '../../errors/call-errors.js';
import { ATTR_RESILIENCE_FALLBACK_KIND, METRIC_FALLBACKS, METRIC_RETRIES } from '../../semconv.js';
import { httpError } from '../../test-support/errors.js';
import { TestTelemetry } from '../../test-support/otel.js';
import { withResilience } from './resilient-model.js';
import { requestOf, ScriptedModel, textOf } from './test-support/scripted-model.js';

const retry = { initialDelayMs: 100, jitter: 'none' as const };
const breakAtOnce = { breaker: { kind: 'consecutive' as const, threshold: 1 } };

describe('withResilience: getResponse', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
    vi.useFakeTimers();
  });
  afterEach(async () => {
    vi.useRealTimers();
    await otel.uninstall();
  });

  it('retries a 429 after its Retry-After and serves the answer', async () => {
    const primary = new ScriptedModel([{ fail: httpError(429, { 'retry-after': '2' }) }]);
    const model = withResilience({ model: primary, name: 'gpt-4o' }, { registry: null, policy: { retry } });
    const pending = model.getResponse(requestOf());
    await vi.advanceTimersByTimeAsync(1_999);
    expect(primary.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(textOf(await pending)).toBe('Hello there.');
    expect(primary.requests).toHaveLength(2);
    expect(await otel.total(METRIC_RETRIES)).toBe(1);
    model.dispose();
  });

  it('gives the call its own signal (following the caller) and turns the openai client retries off (runnerManagedRetry)', async () => {
    const primary = new ScriptedModel([{ fail: httpError(503) }]);
    const model = withResilience({ model: primary, name: 'gpt-4o' }, { registry: null, policy: { retry } });
    const caller = new AbortController();
    const request = requestOf({ signal: caller.signal });
    const pending = model.getResponse(request);
    await vi.advanceTimersByTimeAsync(100);
    await pending;
    const [first, second] = primary.requests as (ModelRequest & { _internal?: Record<string, unknown> })[];
    expect(first?._internal?.runnerManagedRetry).toBe(true);
    expect(second?._internal?.runnerManagedRetry).toBe(true);
    expect(first?.signal).not.toBe(caller.signal);
    expect(second?.signal).not.toBe(caller.signal);
    expect(request).not.toHaveProperty('_internal');
    model.dispose();
  });

  it('cancels on the caller abort: the model request is aborted, no retry, no fallback', async () => {
    const primary = new ScriptedModel([{ stallAfter: 0, answer: 'late' }]);
    const backup = new ScriptedModel();
    const model = withResilience(
      { model: primary, name: 'gpt-4o' },
      { registry: null, fallbacks: [{ model: backup, name: 'gpt-4o-mini' }], policy: { retry } },
    );
    const caller = new AbortController();
    const pending = model.getResponse(requestOf({ signal: caller.signal })).catch(e => e);
    await vi.advanceTimersByTimeAsync(0);
    caller.abort();
    expect(await pending).toBeInstanceOf(CallCancelledError);
    expect(primary.requests[0]?.signal?.aborted).toBe(true);
    expect(primary.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(0);
    model.dispose();
  });

  it('falls back to the next model when the primary is down, and its breaker opens', async () => {
    const primary = new ScriptedModel([], { fail: httpError(503) });
    const backup = new ScriptedModel([], { answer: 'From the backup.' });
    const model = withResilience(
      { model: primary, name: 'gpt-4o' },
      {
        registry: null,
        fallbacks: [{ model: backup, name: 'claude', provider: 'anthropic' }],
        policy: { circuitBreaker: breakAtOnce },
      },
    );
    expect(textOf(await model.getResponse(requestOf()))).toBe('From the backup.');
    expect(textOf(await model.getResponse(requestOf()))).toBe('From the backup.');
    expect(primary.requests).toHaveLength(1);
    expect(model.policyOf(0).circuitBreaker?.state).toBe('open');
    expect(model.policyOf(1).name).toBe('openai_agents.anthropic.claude');
    expect(await otel.total(METRIC_FALLBACKS, { [ATTR_RESILIENCE_FALLBACK_KIND]: 'factory' })).toBe(2);
    model.dispose();
  });

  describe('replay safety', () => {
    const unsafeCases = [
      ['previousResponseId', { previousResponseId: 'resp_0' }],
      ['conversationId', { conversationId: 'conv_1' }],
    ] as const;

    it.each(unsafeCases)('sends a request with %s once, to the primary only', async (_, stateful) => {
      const primary = new ScriptedModel([], { fail: httpError(503) });
      const backup = new ScriptedModel();
      const model = withResilience(
        { model: primary, name: 'gpt-4o' },
        { registry: null, fallbacks: [{ model: backup, name: 'gpt-4o-mini' }], policy: { retry } },
      );
      const failure = model.getResponse(requestOf(stateful)).catch(e => e);
      await vi.advanceTimersByTimeAsync(10_000);
      const error = await failure;
      expect(error).toBeInstanceOf(ResilienceError);
      expect((error as ResilienceError).classified.category).toBe('server_error');
      expect(primary.requests).toHaveLength(1);
      expect(backup.requests).toHaveLength(0);
      model.dispose();
    });

    it('retries a stateful request when the model advises the failure is replay-safe', async () => {
      const primary = new ScriptedModel([{ fail: httpError(429, { 'x-should-retry': 'true' }) }]);
      primary.advice = { suggested: true, replaySafety: 'safe' };
      const model = withResilience({ model: primary, name: 'gpt-4o' }, { registry: null, policy: { retry } });
      const pending = model.getResponse(requestOf({ previousResponseId: 'resp_0' }));
      await vi.advanceTimersByTimeAsync(10_000);
      expect(textOf(await pending)).toBe('Hello there.');
      expect(primary.requests).toHaveLength(2);
      model.dispose();
    });

    it('never replays a stateful request whose attempt timed out, whatever the advice', async () => {
      const primary = new ScriptedModel([{ stallAfter: 0, answer: 'late' }]);
      primary.advice = { suggested: true, replaySafety: 'safe' };
      const model = withResilience(
        { model: primary, name: 'gpt-4o' },
        { registry: null, policy: { retry, attemptTimeoutMs: 1_000 } },
      );
      const failure = model.getResponse(requestOf({ conversationId: 'conv_1' })).catch(e => e);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(((await failure) as ResilienceError).classified.category).toBe('timeout');
      expect(primary.requests).toHaveLength(1);
      model.dispose();
    });

    it('replays a stateful request the user marks safe, and treats a throwing replaySafe as unsafe', async () => {
      const primary = new ScriptedModel([{ fail: httpError(503) }, { fail: httpError(503) }]);
      const marked = withResilience(
        { model: primary, name: 'gpt-4o' },
        { registry: null, policy: { retry }, replaySafe: () => true },
      );
      const pending = marked.getResponse(requestOf({ previousResponseId: 'resp_0' }));
      await vi.advanceTimersByTimeAsync(10_000);
      expect(textOf(await pending)).toBe('Hello there.');
      expect(primary.requests).toHaveLength(3);
      marked.dispose();

      const throwing = new ScriptedModel([{ fail: httpError(503) }]);
      const broken = withResilience(
        { model: throwing, name: 'gpt-4o' },
        {
          registry: null,
          policy: { retry },
          replaySafe: () => {
            throw new Error('bug');
          },
        },
      );
      const failure = broken.getResponse(requestOf()).catch(e => e);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(await failure).toBeInstanceOf(ResilienceError);
      expect(throwing.requests).toHaveLength(1);
      broken.dispose();
    });

    it('keeps the user shouldRetry and category overrides on safe requests', async () => {
      const primary = new ScriptedModel([{ fail: httpError(400) }, { fail: httpError(503) }]);
      const model = withResilience(
        { model: primary, name: 'gpt-4o' },
        {
          registry: null,
          policy: { retry: { ...retry, categories: { validation: { retryable: true } } } },
        },
      );
      const pending = model.getResponse(requestOf());
      await vi.advanceTimersByTimeAsync(10_000);
      expect(textOf(await pending)).toBe('Hello there.');
      expect(primary.requests).toHaveLength(3);
      model.dispose();

      const vetoed = new ScriptedModel([{ fail: httpError(503) }]);
      const own = withResilience(
        { model: vetoed, name: 'gpt-4o' },
        { registry: null, policy: { retry: { ...retry, shouldRetry: () => false } } },
      );
      const failure = own.getResponse(requestOf()).catch(e => e);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(await failure).toBeInstanceOf(ResilienceError);
      expect(vetoed.requests).toHaveLength(1);
      own.dispose();
    });
  });
});
