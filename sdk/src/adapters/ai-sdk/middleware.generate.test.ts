import { DiagLogLevel, diag } from '@opentelemetry/api';
import {
  generateObject,
  generateText,
  type LanguageModelMiddleware,
  stepCountIs,
  tool,
  wrapLanguageModel,
} from 'ai';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { PolicyRegistry } from '../../core/registry.js';
import {
  ATTR_RESILIENCE_FRAMEWORK,
  ATTR_RESILIENCE_RETRY_DELAY_SOURCE,
  ATTR_RESILIENCE_TOKEN_KIND,
  METRIC_INNER_RETRIES,
  METRIC_RETRY_DELAY,
  METRIC_TOKENS,
} from '../../semconv.js';
import { TestTelemetry } from '../../test-support/otel.js';
import { resilienceMiddleware, withResilience } from './index.js';
import { apiError, scriptedModel } from './test-support/scripted-model.js';

const prompt = 'Where is my refund?';
const NO_RETRY = { retry: { maxRetries: 0 } };

describe('AI SDK adapter: generateText, generateObject, tool loops', () => {
  let otel: TestTelemetry;
  let registry: PolicyRegistry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
    registry = new PolicyRegistry();
  });
  afterEach(async () => {
    vi.useRealTimers();
    diag.disable();
    await otel.uninstall();
  });

  it('serves generateText from the fallback model when the primary is down, and opens the primary breaker', async () => {
    const primary = scriptedModel('primary', [{ fail: apiError(503) }]);
    const backup = scriptedModel('backup', [{ answer: 'from backup' }]);
    const model = withResilience(primary.model, {
      name: 'chat',
      fallbacks: [backup.model],
      policy: { circuitBreaker: { breaker: { kind: 'consecutive', threshold: 1 } } },
      registry,
    });
    expect((await generateText({ model, prompt, maxRetries: 0 })).text).toBe('from backup');
    expect((await generateText({ model, prompt, maxRetries: 0 })).text).toBe('from backup');
    expect(primary.calls).toHaveLength(1); // the second call went straight to the backup
    expect(registry.get('circuitBreaker', 'chat.mock.primary')?.state).toBe('open');
    expect(registry.get('circuitBreaker', 'chat.mock.backup')?.state).toBe('closed');
    model.dispose();
  });

  it('waits the Retry-After of a 429 and retries the same model', async () => {
    vi.useFakeTimers();
    const primary = scriptedModel('primary', [
      { fail: apiError(429, { 'retry-after': '2' }) },
      { answer: 'ok' },
    ]);
    const model = withResilience(primary.model, { registry });
    const answer = generateText({ model, prompt, maxRetries: 0 });
    await vi.advanceTimersByTimeAsync(1_999);
    expect(primary.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect((await answer).text).toBe('ok');
    expect(primary.calls).toHaveLength(2);
    expect(
      await otel.total(METRIC_RETRY_DELAY, { [ATTR_RESILIENCE_RETRY_DELAY_SOURCE]: 'retry_after' }),
    ).toBe(1);
    model.dispose();
  });

  it('gives each attempt its own abort signal: a timed-out attempt is aborted, the retry is not', async () => {
    vi.useFakeTimers();
    const primary = scriptedModel('primary', [{ hang: true }, { answer: 'second try' }]);
    const model = withResilience(primary.model, {
      registry,
      policy: { attemptTimeoutMs: 1_000, retry: { maxRetries: 1, initialDelayMs: 10, jitter: 'none' } },
    });
    const answer = generateText({ model, prompt, maxRetries: 0 });
    await vi.advanceTimersByTimeAsync(1_010);
    expect((await answer).text).toBe('second try');
    const [first, second] = primary.calls;
    expect(first?.abortSignal?.aborted).toBe(true);
    expect(second?.abortSignal).not.toBe(first?.abortSignal);
    expect(second?.abortSignal?.aborted).toBe(false);
    model.dispose();
  });

  it("does not multiply attempts with the SDK's default maxRetries: our final error is not retried by the SDK", async () => {
    vi.useFakeTimers();
    const primary = scriptedModel('primary', [{ fail: apiError(503) }]);
    const model = withResilience(primary.model, {
      registry,
      policy: { retry: { maxRetries: 2, initialDelayMs: 10, jitter: 'none' } },
    });
    const failed = generateText({ model, prompt }).catch((error: unknown) => error); // maxRetries left at 2
    await vi.advanceTimersByTimeAsync(60_000);
    const error = (await failed) as Error;
    expect(error.name).toBe('RetriesExhaustedError');
    expect(primary.calls).toHaveLength(3); // the policy's 3 attempts, not 3 × 3
    expect(await otel.total(METRIC_INNER_RETRIES)).toBe(0);
    model.dispose();
  });

  // Defect: the chain's own policy wrapped the model policy's final error in a RetriesExhaustedError of its own
  // (the chain's one attempt, reason max_attempts): 3 requests were reported as "gave up after 1 attempt(s)", a
  // Retry-After past maxRetryAfterMs as max_attempts.
  it("rejects with the model policy's own error: its attempts, its reason", async () => {
    const failing = scriptedModel('primary', [{ fail: apiError(503) }]);
    const limited = scriptedModel('limited', [{ fail: apiError(429, { 'retry-after': '3600' }) }]);
    const policy = { retry: { maxRetries: 2, initialDelayMs: 1, jitter: 'none' as const } };
    for (const [scripted, expected] of [
      [failing, { policy: 'ai-sdk.mock.primary.mock.primary', attempts: 3, reason: 'max_attempts' }],
      [limited, { policy: 'ai-sdk.mock.limited.mock.limited', attempts: 1, reason: 'retry_after_too_long' }],
    ] as const) {
      const model = withResilience(scripted.model, { registry, policy });
      const error = await generateText({ model, prompt, maxRetries: 0 }).catch((e: unknown) => e);
      expect(error).toMatchObject(expected);
      expect(scripted.calls).toHaveLength(expected.attempts);
      model.dispose();
    }
  });

  it("counts the fallback answer's tokens as served", async () => {
    const primary = scriptedModel('primary', [{ fail: apiError(503) }]);
    const backup = scriptedModel('backup', [{ answer: 'served' }]);
    const model = withResilience(primary.model, { fallbacks: [backup.model], registry, policy: NO_RETRY });
    await generateText({ model, prompt, maxRetries: 0 });
    expect(await otel.total(METRIC_TOKENS, { [ATTR_RESILIENCE_TOKEN_KIND]: 'served' })).toBe(15);
    model.dispose();
  });

  it('serves generateObject (zod schema) through a fallback', async () => {
    const primary = scriptedModel('primary', [{ fail: apiError(500) }]);
    const backup = scriptedModel('backup', [{ answer: '{"city":"Paris","days":3}' }]);
    const model = withResilience(primary.model, { fallbacks: [backup.model], registry, policy: NO_RETRY });
    const { object } = await generateObject({
      model,
      schema: z.object({ city: z.string(), days: z.number() }),
      prompt: 'Plan a trip',
      maxRetries: 0,
    });
    expect(object).toEqual({ city: 'Paris', days: 3 });
    model.dispose();
  });

  it('runs every step of a tool loop through the policy: a failed step is retried, the tool runs once', async () => {
    const primary = scriptedModel('primary', [
      { fail: apiError(503) },
      {
        content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'lookup', input: '{"order":"42"}' }],
        finish: 'tool-calls',
      },
      { answer: 'Order 42 ships tomorrow.' },
    ]);
    const lookup = vi.fn(async ({ order }: { order: string }) => `order ${order}: ships tomorrow`);
    const model = withResilience(primary.model, {
      registry,
      policy: { retry: { maxRetries: 1, initialDelayMs: 1, jitter: 'none' } },
    });
    const result = await generateText({
      model,
      prompt: 'When does order 42 ship?',
      tools: { lookup: tool({ inputSchema: z.object({ order: z.string() }), execute: lookup }) },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    expect(result.text).toBe('Order 42 ships tomorrow.');
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(primary.calls).toHaveLength(3);
    expect(result.steps).toHaveLength(2);
    model.dispose();
  });

  it('detects a retrying wrapper outside the middleware: counts it and warns once', async () => {
    const warnings: string[] = [];
    diag.setLogger(
      {
        error: () => {},
        warn: (m: string) => warnings.push(m),
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
    const primary = scriptedModel('primary', [{ fail: apiError(400) }]);
    const retryOnce: LanguageModelMiddleware = {
      wrapGenerate: async ({ doGenerate }) => {
        try {
          return await doGenerate();
        } catch {
          return await doGenerate();
        }
      },
    };
    const model = wrapLanguageModel({
      model: withResilience(primary.model, { name: 'chat', registry }),
      middleware: retryOnce,
    });
    for (let i = 0; i < 2; i++)
      await expect(generateText({ model, prompt, maxRetries: 0 })).rejects.toThrow();
    expect(await otel.total(METRIC_INNER_RETRIES, { [ATTR_RESILIENCE_FRAMEWORK]: 'ai_sdk' })).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('maxRetries: 0');
  });

  it('creates the policies of withResilience at once: a name taken in the registry throws there', () => {
    const primary = scriptedModel('primary', [{ answer: 'x' }]);
    const first = withResilience(primary.model, { registry });
    expect(() => withResilience(primary.model, { registry })).toThrow(
      /A policy named "ai-sdk\.mock\.primary" is already registered/,
    );
    first.dispose();
    withResilience(primary.model, { registry }).dispose();
  });

  it('pins a named middleware to one model, and leaves unnamed ones one chain per model', async () => {
    const a = scriptedModel('a', [{ answer: 'a' }]);
    const b = scriptedModel('b', [{ answer: 'b' }]);
    const named = resilienceMiddleware({ name: 'chat', registry });
    await generateText({ model: wrapLanguageModel({ model: a.model, middleware: named }), prompt });
    await expect(
      generateText({
        model: wrapLanguageModel({ model: b.model, middleware: named }),
        prompt,
        maxRetries: 0,
      }),
    ).rejects.toThrow(/already protects mock\/a/);
    const unnamed = resilienceMiddleware({ registry });
    for (const scripted of [a, b])
      await generateText({
        model: wrapLanguageModel({ model: scripted.model, middleware: unnamed }),
        prompt,
      });
    expect(registry.list('policy').map(p => p.name)).toEqual(
      expect.arrayContaining([
        'chat',
        'ai-sdk.mock.a',
        'ai-sdk.mock.b',
        'ai-sdk.mock.a.mock.a',
        'ai-sdk.mock.b.mock.b',
      ]),
    );
    named.dispose();
    unnamed.dispose();
    expect(registry.list('policy')).toEqual([]);
  });
});
