import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_RESILIENCE_AGENT_RUN_ID,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_EXECUTE_TOOL_DURATION,
  METRIC_GEN_AI_INVOKE_AGENT_DURATION,
  METRIC_RETRIES,
} from '../semconv.js';
import { httpError } from '../test-support/errors.js';
import { TestTelemetry } from '../test-support/otel.js';
import { createAgent } from './create-agent.js';

const completion = { model: 'gpt-4o-mini-2024-07-18', usage: { prompt_tokens: 10, completion_tokens: 5 } };

describe('agent GenAI telemetry', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  it('emits invoke_agent, execute_tool and chat spans, nested, with GenAI attributes', async () => {
    const agent = createAgent('support', { provider: 'openai', registry: null });
    const answer = await agent.run(
      async run => {
        const docs = await run.tool('search', () => ['refunds take 5 days'], { callId: 'call_1' });
        const reply = await run.model('gpt-4o-mini', () => completion);
        return `${docs[0]} (${reply.model})`;
      },
      { threadId: 'thread-1' },
    );
    expect(answer).toBe('refunds take 5 days (gpt-4o-mini-2024-07-18)');

    const invoke = otel.span('invoke_agent support');
    const tool = otel.span('execute_tool search');
    const chat = otel.span('chat gpt-4o-mini');
    expect(invoke.kind).toBe(SpanKind.INTERNAL);
    expect(invoke.attributes).toMatchObject({
      [ATTR_GEN_AI_OPERATION_NAME]: 'invoke_agent',
      [ATTR_GEN_AI_AGENT_NAME]: 'support',
      [ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
      'gen_ai.conversation.id': 'thread-1',
    });
    // A run that needs one attempt has no attempt span: tool and model spans nest under invoke_agent.
    expect(otel.spans().some(s => s.name === 'agent.support attempt')).toBe(false);
    expect(typeof invoke.attributes[ATTR_RESILIENCE_AGENT_RUN_ID]).toBe('string');
    expect(tool.parentSpanContext?.spanId).toBe(invoke.spanContext().spanId);
    expect(chat.parentSpanContext?.spanId).toBe(invoke.spanContext().spanId);
    expect(tool.attributes).toMatchObject({
      [ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool',
      [ATTR_GEN_AI_TOOL_NAME]: 'search',
      [ATTR_GEN_AI_TOOL_CALL_ID]: 'call_1',
      'gen_ai.tool.type': 'function',
    });
    expect(chat.kind).toBe(SpanKind.CLIENT);
    expect(chat.attributes).toMatchObject({
      [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
      [ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
      [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.usage.output_tokens': 5,
    });

    expect(
      await otel.total(METRIC_GEN_AI_INVOKE_AGENT_DURATION, { [ATTR_GEN_AI_AGENT_NAME]: 'support' }),
    ).toBe(1);
    expect(await otel.total(METRIC_GEN_AI_EXECUTE_TOOL_DURATION, { [ATTR_GEN_AI_TOOL_NAME]: 'search' })).toBe(
      1,
    );
    expect(
      await otel.points(METRIC_GEN_AI_CLIENT_OPERATION_DURATION, {
        [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
        [ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
        [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini',
      }),
    ).toHaveLength(1);
    agent.dispose();
  });

  it('falls back to a second model whose chat span nests under the failed one', async () => {
    const agent: ReturnType<typeof createAgent> = createAgent('support', {
      provider: 'openai',
      registry: null,
      models: {
        fallback: {
          factory: ({ properties, signal }) =>
            agent.model(
              'claude-haiku',
              () => ({ model: 'claude-haiku', text: `backup: ${String(properties.prompt)}` }),
              {
                provider: 'anthropic',
                signal,
              },
            ),
        },
      },
    });
    const reply = await agent.run(run =>
      run.model('gpt-4o', () => Promise.reject(httpError(503)), { properties: { prompt: 'refund?' } }),
    );
    expect(reply).toEqual({ model: 'claude-haiku', text: 'backup: refund?' });
    const primary = otel.span('chat gpt-4o');
    const backup = otel.span('chat claude-haiku');
    expect(backup.parentSpanContext?.spanId).toBe(primary.spanContext().spanId);
    expect(backup.attributes[ATTR_GEN_AI_PROVIDER_NAME]).toBe('anthropic');
    expect(primary.status.code).toBe(SpanStatusCode.UNSET);
    agent.dispose();
  });

  it('marks a failed model call span ERROR and records error.type on its duration', async () => {
    const agent = createAgent('support', { provider: 'openai', registry: null, retry: false, models: {} });
    await expect(
      agent.run(run => run.model('gpt-4o', () => Promise.reject(httpError(401)))),
    ).rejects.toThrow();
    const chat = otel.span('chat gpt-4o');
    expect(chat.status.code).toBe(SpanStatusCode.ERROR);
    expect(chat.attributes[ATTR_ERROR_TYPE]).toBe('401');
    expect(await otel.total(METRIC_GEN_AI_CLIENT_OPERATION_DURATION, { [ATTR_ERROR_TYPE]: '401' })).toBe(1);
    agent.dispose();
  });
});

describe('agent policies', () => {
  it('reports run-level retries under the agent.<name> policy', async () => {
    const otel = new TestTelemetry().install();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const agent = createAgent('helper', { registry: null, retry: { initialDelayMs: 1 } });
      const result = agent.run(run => (run.attempt === 0 ? Promise.reject(httpError(503)) : 'ok'));
      await vi.runAllTimersAsync();
      await result;
      expect(await otel.total(METRIC_RETRIES, { 'resilience.policy': 'agent.helper' })).toBe(1);
      agent.dispose();
    } finally {
      vi.useRealTimers();
      await otel.uninstall();
    }
  });
});
