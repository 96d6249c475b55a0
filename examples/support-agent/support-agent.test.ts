/**
 * The support agent end to end against the demo's fake providers, with its model calls through the provider
 * clients (`run.modelStream`) and through the AI SDK (`withResilience`): who answers when the primary is healthy,
 * down, or breaks a stream after its first chunk, and what the agent reports.
 */
import Anthropic from '@anthropic-ai/sdk';
import { type ChaosController, createChaos } from 'agent-resilience';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { answerFor } from '../fake-providers/index.js';
import { createAiSdkReplies } from './ai-sdk-replies.js';
import { createClientReplies } from './client-replies.js';
import { FakeAnthropic } from './fake-anthropic.js';
import { FakeOpenAI } from './fake-openai.js';
import { APOLOGY } from './reply-model.js';
import { createSupportAgent, type SupportAgent } from './support-agent.js';
import { SupportTools } from './tools.js';

/** What every random draw of the fakes and tools returns (0.3: no tool or stream fault). */
let draws: number[] = [0.3];
let drawn = 0;
const random = () => draws[drawn++ % draws.length]!;

let primary: FakeOpenAI;
let backup: FakeAnthropic;
let support: SupportAgent | undefined;
/** Chaos injection into the primary model's calls: off unless a test configures it. */
let chaos: ChaosController;
const firstChunks: number[] = [];
/** Runs at each first chunk a model streams. */
let onFirstChunk = () => {};

beforeEach(async () => {
  draws = [0.3];
  drawn = 0;
  primary = new FakeOpenAI(random);
  backup = new FakeAnthropic(random);
  backup.overloadRate = 0;
  backup.overloadTurn = () => 0; // an overload is a 529
  await primary.start();
  await backup.start();
  firstChunks.length = 0;
  onFirstChunk = () => {};
  chaos = createChaos();
});
afterEach(async () => {
  support?.dispose();
  support = undefined;
  await primary.stop();
  await backup.stop();
});

const FRAMEWORKS = {
  clients: () =>
    createSupportAgent({
      tools: new SupportTools(random),
      replies: context =>
        createClientReplies(context, {
          openai: new OpenAI({ apiKey: 'sk-test-local', baseURL: primary.baseURL, maxRetries: 0 }),
          anthropic: new Anthropic({
            apiKey: 'sk-ant-test-local',
            baseURL: backup.baseURL,
            maxRetries: 0,
            openTelemetry: false,
          }),
          primaryHealthUrl: primary.healthURL,
        }),
      chaos,
      ...hooks(),
    }),
  'ai-sdk': () =>
    createSupportAgent({
      tools: new SupportTools(random),
      replies: context =>
        createAiSdkReplies(context, { primaryBaseURL: primary.baseURL, backupBaseURL: backup.openaiBaseURL }),
      chaos,
      ...hooks(),
    }),
} as const;

function hooks() {
  return {
    onPrimaryAttempt: () => {},
    onPrimaryRetry: () => {},
    onNotice: () => {},
    onFirstChunk: (ms: number) => {
      firstChunks.push(ms);
      onFirstChunk();
    },
  };
}

describe.each(Object.keys(FRAMEWORKS) as (keyof typeof FRAMEWORKS)[])('the support agent (%s)', framework => {
  it('streams the primary model’s answer, and tells its time to first chunk', async () => {
    support = FRAMEWORKS[framework]();
    const reply = await support.answer('How long does shipping take to Lisbon?', 't1');
    expect(reply.source).toBe('primary');
    expect(reply.text.length).toBeGreaterThan(0);
    expect(firstChunks).toHaveLength(1);
  });

  it('streams the backup model’s answer while the primary is down', async () => {
    await primary.setMode('outage_503');
    support = FRAMEWORKS[framework]();
    const reply = await support.answer('How long does shipping take to Lisbon?', 't1');
    expect(reply).toMatchObject({ source: 'backup', text: expect.stringMatching(/^\(backup model\)/) });
  });

  it('an injected 429 storm: the primary provider sees no request, the backup answers', async () => {
    // A short Retry-After: the retries wait the backoff (250 ms, 500 ms, 1 s).
    chaos.configure({ enabled: true, faults: [{ fault: 'rate_limited', rate: 1, retryAfterMs: 1 }] });
    support = FRAMEWORKS[framework]();
    const reply = await support.answer('How long does shipping take to Lisbon?', 't1');
    expect(reply).toMatchObject({ source: 'backup', text: expect.stringMatching(/^\(backup model\)/) });
    expect(primary.statuses).toEqual({});
    // The first attempt and its 3 retries (within the fresh retry budget), each a 429.
    expect(chaos.state().injections.rate_limited).toBe(4);
  });

  it('restarts the run when the stream breaks after its first chunk: the customer gets one whole answer', async () => {
    primary.streamFaults = 1;
    primary.streamFaultTurn = () => 3; // the fourth of six: a dropped connection after two chunks
    onFirstChunk = () => {
      primary.streamFaults = 0;
    };
    support = FRAMEWORKS[framework]();
    const reply = await support.answer('How long does shipping take to Lisbon?', 't1');
    expect(reply.source).toBe('primary');
    expect(reply.text).toBe(answerFor('shipping'));
    expect(firstChunks).toHaveLength(2);
    expect(primary.statuses).toEqual({ 200: 2 });
  });

  it('serves the last good answer for the topic when both models fail, else the apology', async () => {
    support = FRAMEWORKS[framework]();
    const good = await support.answer('I cannot log in to my account, can you help?', 't1');
    await primary.setMode('outage_503');
    backup.overloadRate = 1;
    const cached = await support.answer('I cannot log in to my account, can you help?', 't2');
    expect(cached).toMatchObject({ source: 'cached', text: good.text });
    const apology = await support.answer('How long does shipping take to Lisbon?', 't3');
    expect(apology).toMatchObject({ source: 'apology', text: expect.stringContaining(APOLOGY) });
  });
});
