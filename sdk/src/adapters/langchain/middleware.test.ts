import { AIMessageChunk, ToolMessage } from '@langchain/core/messages';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { createAgent, modelRetryMiddleware, tool } from 'langchain';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { PolicyRegistry } from '../../core/registry.js';
import { StreamBrokenError } from '../../errors/call-errors.js';
import { createPolicy } from '../../pipeline/create-policy.js';
import { createCircuitBreaker } from '../../policies/create-circuit-breaker.js';
import { METRIC_FALLBACKS, METRIC_INNER_RETRIES } from '../../semconv.js';
import { httpError } from '../../test-support/errors.js';
import { TestTelemetry } from '../../test-support/otel.js';
import { AgentModelChains } from './agent-model-chains.js';
import { type ResilienceMiddleware, resilienceMiddleware } from './middleware.js';
import { resolveOptions } from './options.js';
import { ScriptedChatModel } from './test-support/scripted-chat-model.js';
import { withResilience } from './with-resilience.js';

/** Runs the fake clock until `promise` settles; returns its value or throws its error. */
async function settle<T>(promise: Promise<T>): Promise<T> {
  const outcome = promise.then(
    value => ({ value }),
    error => ({ error }),
  );
  await vi.runAllTimersAsync();
  const result = (await outcome) as { value?: T; error?: unknown };
  if ('error' in result) throw result.error;
  return result.value as T;
}

const ask = (content: string) => ({ messages: [{ role: 'user', content }] });
const lastText = (state: { messages: { text: string }[] }) => state.messages.at(-1)?.text;

/** What the consumer of `agent.stream(..., { streamMode: 'messages' })` sees: the AI message chunks' text. */
async function streamedText(stream: AsyncIterable<[unknown, unknown]>): Promise<string[]> {
  const texts: string[] = [];
  for await (const [message] of stream) if (AIMessageChunk.isInstance(message)) texts.push(message.text);
  return texts.filter(t => t !== '');
}

describe('resilienceMiddleware in a LangChain v1 agent', () => {
  let otel: TestTelemetry;
  let middleware: ResilienceMiddleware | undefined;
  beforeEach(() => {
    vi.useFakeTimers();
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    middleware?.dispose();
    middleware = undefined;
    vi.useRealTimers();
    diag.disable();
    await otel.uninstall();
  });

  function agentOf(
    model: ScriptedChatModel,
    options: Parameters<typeof resilienceMiddleware>[0] = {},
    tools = [],
  ) {
    middleware = resilienceMiddleware({ registry: null, ...options });
    return createAgent({ model, tools, middleware: [middleware] });
  }

  it('serves a model call from the fallback model when the agent model is down; its breaker opens', async () => {
    const primary = new ScriptedChatModel('gpt-x', [{ fail: httpError(503) }]);
    const backup = new ScriptedChatModel('claude-y', [{ text: 'from backup' }]);
    const agent = agentOf(primary, {
      fallbacks: [backup],
      policy: { circuitBreaker: { breaker: { kind: 'consecutive', threshold: 1 } } },
    });
    expect(lastText(await settle(agent.invoke(ask('hi'))))).toBe('from backup');
    expect(lastText(await settle(agent.invoke(ask('again'))))).toBe('from backup');
    expect(primary.calls).toHaveLength(1);
    expect(await otel.total(METRIC_FALLBACKS)).toBe(2);
  });

  it("streams (streamMode 'messages') only the serving model's tokens when the agent model fails before its first one", async () => {
    const primary = new ScriptedChatModel('gpt-x', [{ chunks: [''], after: { error: httpError(503) } }]);
    const backup = new ScriptedChatModel('claude-y', [{ text: 'Hello there', chunks: ['Hello', ' there'] }]);
    const agent = agentOf(primary, { fallbacks: [backup], policy: { retry: { maxRetries: 0 } } });
    const texts = await settle(
      agent.stream(ask('hi'), { streamMode: 'messages' }).then(s => streamedText(s as never)),
    );
    expect(texts).toEqual(['Hello', ' there']);
    expect(primary.calls[0]?.streamed).toBe(true);
  });

  it('ends an agent stream that broke after its first token with a StreamBrokenError; tokens are not replayed', async () => {
    const primary = new ScriptedChatModel('gpt-x', [
      { chunks: ['Hel', 'lo'], after: { error: httpError(502) } },
      { text: 'never' },
    ]);
    const backup = new ScriptedChatModel('claude-y', [{ text: 'never' }]);
    const agent = agentOf(primary, { fallbacks: [backup], policy: { retry: { maxRetries: 2 } } });
    const texts: string[] = [];
    const read = (async () => {
      for await (const [message] of await agent.stream(ask('hi'), { streamMode: 'messages' }))
        if (AIMessageChunk.isInstance(message)) texts.push(message.text);
    })();
    const error = await settle(
      read.then(
        () => undefined,
        e => e,
      ),
    );
    const cause = (error as { cause?: unknown }).cause ?? error;
    expect(StreamBrokenError.isInstance(cause)).toBe(true);
    expect(texts.join('')).toBe('Hello');
    expect(primary.calls).toHaveLength(1);
    expect(backup.calls).toHaveLength(0);
  });

  it('returns a failed tool call to the model as an error ToolMessage, without retrying it by default', async () => {
    let runs = 0;
    const lookup = tool(
      async () => {
        runs++;
        throw httpError(503, {}, 'orders service unavailable');
      },
      { name: 'lookup', description: 'Looks up an order', schema: z.object({ id: z.string() }) },
    );
    const model = new ScriptedChatModel('gpt-x', [
      { text: '', toolCalls: [{ name: 'lookup', args: { id: '42' }, id: 'call-1', type: 'tool_call' }] },
      { text: 'Sorry, the order service is down.' },
    ]);
    const agent = agentOf(model, {}, [lookup] as never);
    const state = await settle(agent.invoke(ask('where is order 42?')));
    const reply = state.messages.find(m => ToolMessage.isInstance(m)) as ToolMessage;
    expect(reply.status).toBe('error');
    expect(reply.text).toMatch(/orders service unavailable/);
    expect(runs).toBe(1);
    expect(lastText(state)).toBe('Sorry, the order service is down.');
    expect(otel.spans().map(s => s.name)).toContain('langchain.tool.lookup');
  });

  it("retries a tool when its policy says so, and each attempt's timeout reaches the tool", async () => {
    const signals: AbortSignal[] = [];
    const lookup = tool(
      async (_input, config) => {
        signals.push(config.signal as AbortSignal);
        if (signals.length === 1) await new Promise(() => {}); // hangs until its attempt times out
        return 'shipped';
      },
      { name: 'lookup', description: 'Looks up an order', schema: z.object({ id: z.string() }) },
    );
    const model = new ScriptedChatModel('gpt-x', [
      { text: '', toolCalls: [{ name: 'lookup', args: { id: '42' }, id: 'call-1', type: 'tool_call' }] },
      { text: 'It shipped.' },
    ]);
    const agent = agentOf(model, { tools: { attemptTimeoutMs: 100, retry: { maxRetries: 1 } } }, [
      lookup,
    ] as never);
    const state = await settle(agent.invoke(ask('where is order 42?')));
    expect((state.messages.find(m => ToolMessage.isInstance(m)) as ToolMessage).text).toBe('shipped');
    expect(signals).toHaveLength(2);
    expect(signals[0]?.aborted).toBe(true);
  });

  it('warns once and counts calls when the model retries on its own (maxRetries > 0)', async () => {
    const warnings: string[] = [];
    diag.setLogger(
      { error() {}, warn: (m: string) => warnings.push(m), info() {}, debug() {}, verbose() {} },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
    const model = new ScriptedChatModel('gpt-x', [{ text: 'ok' }], { maxRetries: 6 });
    const agent = agentOf(model);
    await settle(agent.invoke(ask('one')));
    await settle(agent.invoke(ask('two')));
    expect(await otel.total(METRIC_INNER_RETRIES)).toBe(2);
    expect(warnings.filter(w => w.includes('langchain retrying underneath'))).toHaveLength(1);
    expect(warnings[0]).toMatch(/maxRetries: 0/);
  });

  it.each([
    ['around it', 'before'],
    ['inside it', 'after'],
  ])('detects modelRetryMiddleware %s', async (_where, order) => {
    const model = new ScriptedChatModel('gpt-x', [{ fail: httpError(400) }, { text: 'ok' }]);
    middleware = resilienceMiddleware({ registry: null });
    const retry = modelRetryMiddleware({ maxRetries: 1, initialDelayMs: 1, retryOn: () => true });
    const agent = createAgent({
      model,
      tools: [],
      middleware: order === 'before' ? [retry, middleware] : [middleware, retry],
    });
    await settle(agent.invoke(ask('hi')));
    expect(await otel.total(METRIC_INNER_RETRIES)).toBe(1);
  });

  it('leaves a model that is not a LangChain chat model alone, warning once', () => {
    const warnings: string[] = [];
    diag.setLogger(
      { error() {}, warn: (m: string) => warnings.push(m), info() {}, debug() {}, verbose() {} },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
    const chains = new AgentModelChains(
      resolveOptions('resilienceMiddleware', { registry: null }, { tools: true }),
    );
    expect(chains.modelFor({ model: 'openai:gpt-4o', messages: [] })).toBeUndefined();
    expect(chains.modelFor({ model: { invoke() {} }, messages: [] })).toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/not a LangChain chat model .* not protected/)]);
  });
});

describe('LangChain adapter: policy as a function of the model, and policies()', () => {
  let registry: PolicyRegistry;
  beforeEach(() => {
    vi.useFakeTimers();
    registry = new PolicyRegistry();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shares one breaker between the gpt models of two resilient models, the backup keeping its own', async () => {
    const gptBreaker = createCircuitBreaker('gpt', {
      breaker: { kind: 'consecutive', threshold: 1 },
      registry,
    });
    const asked: string[] = [];
    const policy = ({ provider, model }: { provider: string; model: string }) => {
      asked.push(`${provider}/${model}`);
      return model.startsWith('gpt') ? { circuitBreaker: gptBreaker } : { retry: { maxRetries: 0 } };
    };
    const gpt = new ScriptedChatModel('gpt-x', [{ fail: httpError(503) }]);
    const mini = new ScriptedChatModel('gpt-mini', [{ text: 'from mini' }]);
    const backup = new ScriptedChatModel('claude-y', [{ text: 'from claude' }]);
    const first = withResilience(gpt, { name: 'first', fallbacks: [backup], policy, registry });
    const second = withResilience(mini, { name: 'second', fallbacks: [backup], policy, registry });
    expect(asked).toEqual(['scripted/gpt-x', 'scripted/claude-y', 'scripted/gpt-mini', 'scripted/claude-y']);
    expect((await settle(first.invoke('hi'))).text).toBe('from claude');
    // gpt-x opened the shared breaker: gpt-mini is not called either.
    expect((await settle(second.invoke('hi'))).text).toBe('from claude');
    expect(mini.calls).toHaveLength(0);
    const policies = first.policies();
    expect([...policies.keys()]).toEqual([
      'first.model',
      'first.model.scripted.gpt-x',
      'first.model.scripted.claude-y',
    ]);
    expect(policies.get('first.model.scripted.gpt-x')?.circuitBreaker).toBe(gptBreaker);
    first.dispose();
    second.dispose();
    expect(first.policies().size).toBe(0);
    expect(registry.list('circuitBreaker').map(b => b.name)).toEqual(['gpt']);
    gptBreaker.dispose();
  });

  it('reports an invalid answer of the function clearly: at withResilience, or at the first agent call', async () => {
    const model = new ScriptedChatModel('gpt-x', [{ text: 'ok' }]);
    const policy = () => ({ attemptTimeoutMs: -5 });
    expect(() => withResilience(model, { policy, registry })).toThrow(
      /^Invalid options for withResilience: policy\(scripted\/gpt-x\)\.attemptTimeoutMs must be a number .*, got -5/,
    );
    expect(registry.list('policy')).toEqual([]);

    const middleware = resilienceMiddleware({ policy, registry });
    const agent = createAgent({ model, tools: [], middleware: [middleware] });
    await expect(settle(agent.invoke(ask('hi')))).rejects.toThrow(
      /resilienceMiddleware: policy\(scripted\/gpt-x\)\.attemptTimeoutMs/,
    );
    expect(model.calls).toHaveLength(0);
    middleware.dispose();
  });

  it("lists the middleware's model policies once it built its chain, and leaves a policy the function returned alone", async () => {
    const shared = createPolicy('backups', { registry });
    const primary = new ScriptedChatModel('gpt-x', [{ fail: httpError(503) }]);
    const backup = new ScriptedChatModel('claude-y', [{ text: 'from backup' }]);
    const middleware = resilienceMiddleware({
      name: 'support',
      fallbacks: [backup],
      policy: ({ model }) => (model === 'claude-y' ? shared : { retry: { maxRetries: 0 } }),
      registry,
    });
    const agent = createAgent({ model: primary, tools: [], middleware: [middleware] });
    expect(middleware.policies().size).toBe(0);
    await settle(agent.invoke(ask('hi')));
    expect([...middleware.policies().keys()]).toEqual([
      'support.model',
      'support.model.scripted.gpt-x',
      'backups',
    ]);
    expect(middleware.policies().get('backups')).toBe(shared);
    middleware.dispose();
    expect(middleware.policies().size).toBe(0);
    expect(registry.list('policy').map(p => p.name)).toEqual(['backups']);
    shared.dispose();
  });
});
