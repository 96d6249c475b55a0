/**
 * End to end: the real `@openai/agents` runner, the OpenAI models of `@openai/agents-openai` and the `openai` client,
 * against the local fault-injecting provider (examples/fake-providers), wrapped by the adapter.
 */
import {
  Agent,
  type AgentOutputType,
  OpenAIChatCompletionsModel,
  OpenAIResponsesModel,
  Runner,
  retryPolicies,
  setTracingDisabled,
} from '@openai/agents';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ResilienceError, StreamBrokenError } from '../../errors/call-errors.js';
import { METRIC_INNER_RETRIES, METRIC_RETRIES } from '../../semconv.js';
import { answerFor, FakeLlmProvider, faults } from '../../test-support/llm-provider.js';
import { TestTelemetry } from '../../test-support/otel.js';
import { type ResilientModel, withResilience } from './resilient-model.js';

const QUESTION = 'Where is my refund?';
const ANSWER = answerFor(QUESTION);

let provider: FakeLlmProvider;
let otel: TestTelemetry;
beforeAll(async () => {
  setTracingDisabled(true); // the Agents SDK would export its traces to api.openai.com
  provider = await FakeLlmProvider.start({ stallMaxMs: 60_000 });
});
afterAll(() => provider.close());
beforeEach(() => {
  provider.clear();
  provider.setDefault({ kind: 'answer' });
  otel = new TestTelemetry().install();
});
afterEach(() => otel.uninstall());

/** The `openai` client an app already has: its default retries (2) left on, to show the adapter turns them off. */
const client = () => new OpenAI({ apiKey: 'sk-test-not-a-real-key', baseURL: provider.openaiBaseURL });

let model: ResilientModel | undefined;
afterEach(() => model?.dispose());

/** A primary on the Responses API and a backup on Chat Completions, behind the adapter. */
function resilient(options: Parameters<typeof withResilience>[1] = {}): ResilientModel {
  model = withResilience(
    { model: new OpenAIResponsesModel(client(), 'gpt-primary'), name: 'gpt-primary' },
    {
      registry: null,
      fallbacks: [{ model: new OpenAIChatCompletionsModel(client(), 'gpt-backup'), name: 'gpt-backup' }],
      policy: { retry: { initialDelayMs: 1, maxRetries: 2 } },
      ...options,
    },
  );
  return model;
}

const agentOn = (m: ResilientModel, modelSettings = {}) =>
  new Agent<unknown, AgentOutputType>({
    name: 'support',
    instructions: 'Be brief.',
    model: m,
    modelSettings,
  });

/** Streams a run, returning its text and the error it ended with. */
async function streamRun(agent: Agent<unknown, AgentOutputType>, options: { stopAfterText?: boolean } = {}) {
  const result = await new Runner().run(agent, QUESTION, { stream: true });
  let text = '';
  let error: unknown;
  try {
    for await (const delta of result.toTextStream()) {
      text += delta;
      if (options.stopAfterText === true) break;
    }
    await result.completed;
  } catch (e) {
    error = e;
  }
  return { text, error: error ?? result.error ?? undefined };
}

const models = () => provider.requests.map(r => r.model);

describe('openai-agents adapter, end to end', () => {
  it('retries a 429 after its Retry-After before the first chunk, with the client retries off', async () => {
    provider.script(faults.rateLimited({ retryAfterMs: 40 }));
    const { text, error } = await streamRun(agentOn(resilient()));
    expect(error).toBeUndefined();
    expect(text).toBe(ANSWER);
    // One retry by the policy, none by the `openai` client (it would have made 3 requests per attempt).
    expect(models()).toEqual(['gpt-primary', 'gpt-primary']);
    expect(await otel.total(METRIC_RETRIES)).toBe(1);
    const [first, second] = provider.requests;
    expect(second!.startedAt - first!.startedAt).toBeGreaterThanOrEqual(40);
  });

  it('serves from the fallback model when the primary is down, and opens the primary breaker', async () => {
    provider.setDefault(r => (r.model === 'gpt-primary' ? faults.serverError() : { kind: 'answer' }));
    const m = resilient({ policy: { circuitBreaker: { breaker: { kind: 'consecutive', threshold: 1 } } } });
    const first = await new Runner().run(agentOn(m), QUESTION);
    const second = await new Runner().run(agentOn(m), QUESTION);
    expect([first.finalOutput, second.finalOutput]).toEqual([ANSWER, ANSWER]);
    expect(models()).toEqual(['gpt-primary', 'gpt-backup', 'gpt-backup']);
    expect(m.policyOf(0).circuitBreaker?.state).toBe('open');
    // Usage is counted once, from the answer served; our spans carry none.
    expect(second.state.usage.requests).toBe(1);
    const usageOnOurSpans = otel
      .spans()
      .flatMap(s => Object.keys(s.attributes).filter(k => k.startsWith('gen_ai.usage')));
    expect(usageOnOurSpans).toEqual([]);
  });

  it('sends a stream that stalls before its first chunk to the next model, showing the answer once', async () => {
    provider.script(faults.stall(0));
    const { text, error } = await streamRun(
      agentOn(resilient({ policy: {}, stream: { stallTimeoutMs: 500 } })),
    );
    expect(error).toBeUndefined();
    expect(text).toBe(ANSWER);
    expect(models()).toEqual(['gpt-primary', 'gpt-backup']);
    expect((await provider.requests[0]!.closed).clientAborted).toBe(true);
  });

  it('ends a stream that drops after its first chunks with a classified StreamBrokenError', async () => {
    provider.script(faults.drop(2, { chunks: 4 }));
    const { text, error } = await streamRun(agentOn(resilient()));
    expect(text.length).toBeGreaterThan(0);
    expect(ANSWER.startsWith(text)).toBe(true);
    expect(error).toBeInstanceOf(StreamBrokenError);
    expect((error as StreamBrokenError).classified.category).toBe('network');
    expect(models()).toEqual(['gpt-primary']);
  });

  it('closes the provider request when the consumer stops reading', async () => {
    provider.script(faults.stall(1, { maxMs: 60_000 }));
    const { text } = await streamRun(agentOn(resilient()), { stopAfterText: true });
    expect(text.length).toBeGreaterThan(0);
    const record = await provider.requests[0]!.closed;
    expect(record.outcome).toBe('client_closed');
  });

  it('sends a stateful request (previousResponseId) once: no retry, no fallback', async () => {
    provider.setDefault(faults.serverError());
    const result = new Runner().run(agentOn(resilient()), QUESTION, { previousResponseId: 'resp_0' });
    const error = await result.catch(e => e);
    expect(error).toBeInstanceOf(ResilienceError);
    expect(models()).toEqual(['gpt-primary']);
  });

  it('detects the runner retrying on top of the policy (modelSettings.retry)', async () => {
    provider.script(faults.serverError());
    const m = resilient({ policy: {}, fallbacks: [] });
    const retrying = { retry: { maxRetries: 1, policy: retryPolicies.httpStatus([500]) } };
    const result = await new Runner().run(agentOn(m, retrying), QUESTION);
    expect(result.finalOutput).toBe(ANSWER);
    expect(await otel.total(METRIC_INNER_RETRIES)).toBe(2);
  });
});
