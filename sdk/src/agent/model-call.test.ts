/**
 * Issue 9 §3, what failures cost: a model call tells its policy how to read token usage from a result
 * (`ExecuteOptions.usageOf`), so the core counts `resilience.tokens` served and wasted, and which model it calls
 * (`ExecuteOptions.genAi`, for the time to first chunk).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExecuteOptions } from '../core/execute-options.js';
import { createPolicy } from '../pipeline/create-policy.js';
import { METRIC_TOKENS } from '../semconv.js';
import { httpError } from '../test-support/errors.js';
import { TestTelemetry } from '../test-support/otel.js';
import { createAgent } from './create-agent.js';

/** The options `agent.model` passes to its policy's `execute`. */
async function executeOptionsOf(
  call: (agent: ReturnType<typeof createAgent>, policy: ReturnType<typeof createPolicy>) => Promise<unknown>,
  genAiTelemetry: 'emit' | 'resilience-only' = 'emit',
): Promise<ExecuteOptions> {
  const agent = createAgent('support', { provider: 'openai', registry: null, genAiTelemetry });
  const policy = createPolicy('model.shared', { registry: null });
  const execute = vi.spyOn(policy, 'execute');
  await call(agent, policy);
  agent.dispose();
  return execute.mock.calls[0]![1] as ExecuteOptions;
}

describe('agent.model → ExecuteOptions', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each(['emit', 'resilience-only'] as const)(
    '%s: names the model and reads usage for the core',
    async mode => {
      const options = await executeOptionsOf(
        (agent, policy) => agent.model('gpt-4o', () => 'ok', { policy, provider: 'azure.ai.openai' }),
        mode,
      );
      expect(options.genAi).toEqual({ provider: 'azure.ai.openai', model: 'gpt-4o' });
      expect(options.usageOf?.({ usage: { prompt_tokens: 12, completion_tokens: 30 } })).toEqual({
        inputTokens: 12,
        outputTokens: 30,
      });
    },
  );

  it('usageOf gives no usage for an answer another model call already reported (a nested fallback, a cache)', async () => {
    const answer = { usage: { input_tokens: 7, output_tokens: 3 } };
    const first = await executeOptionsOf((agent, policy) =>
      agent.model('claude-haiku', () => answer, { policy }),
    );
    const second = await executeOptionsOf((agent, policy) => agent.model('gpt-4o', () => answer, { policy }));
    expect(first.usageOf?.(answer)).toEqual({ inputTokens: 7, outputTokens: 3 });
    // The same call may read it again; another call may not.
    expect(first.usageOf?.(answer)).toEqual({ inputTokens: 7, outputTokens: 3 });
    expect(second.usageOf?.(answer)).toBeUndefined();
  });
});

/** `resilience.tokens` of agent model calls: the core records them through the agent's `usageOf`. */
describe('resilience.tokens of agent model calls', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });
  const served = (match: Record<string, string> = {}) =>
    otel.total(METRIC_TOKENS, { 'resilience.token.kind': 'served', ...match });

  it('counts an answer a second model served once, under the policy that served it (62 before, not 52)', async () => {
    const agent: ReturnType<typeof createAgent> = createAgent('support', {
      registry: null,
      models: {
        fallback: {
          factory: ({ signal }) =>
            agent.model('claude-haiku', () => ({ usage: { input_tokens: 7, output_tokens: 3 } }), { signal }),
        },
      },
    });
    await agent.model('gpt-4o', () => ({ usage: { prompt_tokens: 12, completion_tokens: 30 } }));
    await agent.model('gpt-4o', () => Promise.reject(httpError(401)));
    const policy = (name: string, type: string) => ({ 'resilience.policy': name, 'gen_ai.token.type': type });
    expect(await served(policy('model.gpt-4o', 'input'))).toBe(12);
    expect(await served(policy('model.gpt-4o', 'output'))).toBe(30);
    expect(await served(policy('model.claude-haiku', 'input'))).toBe(7);
    expect(await served()).toBe(52);
    agent.dispose();
  });

  it('does not count an answer served again from the cache', async () => {
    const agent = createAgent('support', {
      registry: null,
      models: { fallback: { cache: { ttlMs: 60_000 } } },
    });
    await agent.model('gpt-4o', () => ({ usage: { prompt_tokens: 12, completion_tokens: 30 } }), {
      cacheKey: 'k',
    });
    await agent.model('gpt-4o', () => Promise.reject(httpError(401)), { cacheKey: 'k' });
    expect(await served()).toBe(42);
    agent.dispose();
  });
});
