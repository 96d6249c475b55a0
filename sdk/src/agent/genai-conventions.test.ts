/**
 * Issue 9 §3, GenAI conventions: the conventions moved inference duration to `gen_ai.client.inference.duration`
 * and usage to `gen_ai.client.inference.usage.*` counters. With `OTEL_SEMCONV_STABILITY_OPT_IN` listing
 * `gen_ai_latest_experimental`, model calls report the new names; otherwise the current ones. The variable is read
 * once, when the SDK is loaded, so each mode is tested on a freshly loaded module graph.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  METRIC_GEN_AI_CLIENT_INFERENCE_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_EXECUTE_TOOL_DURATION,
  METRIC_GEN_AI_INFERENCE_INPUT_TOKENS,
  METRIC_GEN_AI_INFERENCE_OUTPUT_TOKENS,
} from '../semconv.js';
import { httpError } from '../test-support/errors.js';
import { TestTelemetry } from '../test-support/otel.js';
import { optsIntoLatestGenAi } from './genai-conventions.js';

describe('optsIntoLatestGenAi', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['http', false],
    ['gen_ai_latest_experimental', true],
    ['http/dup, GEN_AI_LATEST_EXPERIMENTAL ', true],
    ['gen_ai_latest_experimental_v2', false],
    [',,,', false],
  ])('%j → %s', (value, expected) => {
    expect(optsIntoLatestGenAi(value)).toBe(expected);
  });

  it('reads a long hostile value in linear time without throwing', () => {
    expect(optsIntoLatestGenAi(`${','.repeat(200_000)}x`)).toBe(false);
  });
});

/** `createAgent` from a module graph loaded with `OTEL_SEMCONV_STABILITY_OPT_IN` set to `optIn`. */
async function loadAgentWith(optIn: string | undefined) {
  vi.resetModules();
  vi.stubEnv('OTEL_SEMCONV_STABILITY_OPT_IN', optIn);
  const { createAgent } = await import('./create-agent.js');
  vi.unstubAllEnvs();
  return createAgent;
}

const MODEL = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o',
};
const completion = () => ({ model: 'gpt-4o', usage: { prompt_tokens: 12, completion_tokens: 30 } });

describe('GenAI metric names of model calls', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    vi.resetModules();
    await otel.uninstall();
  });

  it('without the opt-in: gen_ai.client.operation.duration, no inference names', async () => {
    const createAgent = await loadAgentWith(undefined);
    const agent = createAgent('support', { provider: 'openai', registry: null, models: {} });
    await agent.model('gpt-4o', () => completion());
    await expect(agent.model('gpt-4o', () => Promise.reject(httpError(401)))).rejects.toThrow();
    expect(await otel.total(METRIC_GEN_AI_CLIENT_OPERATION_DURATION, MODEL)).toBe(2);
    expect(await otel.total(METRIC_GEN_AI_CLIENT_OPERATION_DURATION, { 'error.type': '401' })).toBe(1);
    for (const name of [
      METRIC_GEN_AI_CLIENT_INFERENCE_DURATION,
      METRIC_GEN_AI_INFERENCE_INPUT_TOKENS,
      METRIC_GEN_AI_INFERENCE_OUTPUT_TOKENS,
    ]) {
      expect(await otel.points(name), name).toEqual([]);
    }
    agent.dispose();
  });

  it('with gen_ai_latest_experimental: inference duration and usage counters instead', async () => {
    const createAgent = await loadAgentWith('http,gen_ai_latest_experimental');
    const agent = createAgent('support', { provider: 'openai', registry: null, models: {} });
    await agent.model('gpt-4o', () => completion());
    await agent.model('gpt-4o', () => completion());
    await expect(agent.model('gpt-4o', () => Promise.reject(httpError(401)))).rejects.toThrow();
    await agent.tool('search', () => []);
    expect(await otel.total(METRIC_GEN_AI_CLIENT_INFERENCE_DURATION, MODEL)).toBe(3);
    expect(await otel.total(METRIC_GEN_AI_CLIENT_INFERENCE_DURATION, { 'error.type': '401' })).toBe(1);
    expect(await otel.points(METRIC_GEN_AI_CLIENT_OPERATION_DURATION)).toEqual([]);
    const input = await otel.points(METRIC_GEN_AI_INFERENCE_INPUT_TOKENS);
    expect(input).toEqual([{ attributes: MODEL, value: 24 }]);
    expect(await otel.total(METRIC_GEN_AI_INFERENCE_OUTPUT_TOKENS, MODEL)).toBe(60);
    // Tools and runs keep their own names.
    expect(await otel.total(METRIC_GEN_AI_EXECUTE_TOOL_DURATION)).toBe(1);
    agent.dispose();
  });

  it('with the opt-in, a streamed call records its duration and the usage of its chunks when the stream ends', async () => {
    const createAgent = await loadAgentWith('gen_ai_latest_experimental');
    const agent = createAgent('support', { provider: 'openai', registry: null, models: {} });
    const stream = await agent.modelStream('gpt-4o', async function* () {
      yield { choices: [{ delta: { content: 'Refunds take five days.' } }], usage: null };
      yield { choices: [], usage: { prompt_tokens: 12, completion_tokens: 30 } };
    });
    expect(await otel.points(METRIC_GEN_AI_INFERENCE_INPUT_TOKENS)).toEqual([]);
    for await (const _ of stream);
    expect(await otel.total(METRIC_GEN_AI_CLIENT_INFERENCE_DURATION, MODEL)).toBe(1);
    expect(await otel.total(METRIC_GEN_AI_INFERENCE_INPUT_TOKENS, MODEL)).toBe(12);
    expect(await otel.total(METRIC_GEN_AI_INFERENCE_OUTPUT_TOKENS, MODEL)).toBe(30);
    agent.dispose();
  });

  it('with the opt-in, a resilience-only call records no GenAI metric at all', async () => {
    const createAgent = await loadAgentWith('gen_ai_latest_experimental');
    const agent = createAgent('support', { registry: null, genAiTelemetry: 'resilience-only' });
    await agent.model('gpt-4o', () => completion());
    for (const name of [METRIC_GEN_AI_CLIENT_INFERENCE_DURATION, METRIC_GEN_AI_INFERENCE_INPUT_TOKENS]) {
      expect(await otel.points(name), name).toEqual([]);
    }
    agent.dispose();
  });

  it('reads the variable once, when the SDK is loaded', async () => {
    const createAgent = await loadAgentWith(undefined);
    vi.stubEnv('OTEL_SEMCONV_STABILITY_OPT_IN', 'gen_ai_latest_experimental');
    const agent = createAgent('support', { registry: null });
    await agent.model('gpt-4o', () => completion());
    expect(await otel.total(METRIC_GEN_AI_CLIENT_OPERATION_DURATION)).toBe(1);
    agent.dispose();
  });
});
