/** Hedging through the AI SDK adapter: a model policy with `hedging` races a slow model call, streamed or not. */
import { generateText, streamText } from 'ai';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PolicyRegistry } from '../../core/registry.js';
import { withResilience } from './index.js';
import { answerParts, scriptedModel } from './test-support/scripted-model.js';

const prompt = 'Where is my refund?';
// Model calls through the adapter are replay-safe here (a stateless chat request): the policy says so for all.
const policy = { hedging: { delayMs: 500, replaySafe: true } };

describe('AI SDK adapter with a hedging policy', () => {
  let registry: PolicyRegistry;
  beforeEach(() => {
    registry = new PolicyRegistry();
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers generateText from the hedge when the first request hangs, and aborts the first', async () => {
    const gpt = scriptedModel('gpt-4o', [{ hang: true }, { answer: 'from the hedge' }], 'openai.chat');
    const model = withResilience(gpt.model, { name: 'hedged', policy, registry });
    const answer = generateText({ model, prompt, maxRetries: 0 });
    await vi.advanceTimersByTimeAsync(500);
    expect((await answer).text).toBe('from the hedge');
    expect(gpt.calls).toHaveLength(2);
    expect(gpt.calls[0]?.abortSignal?.aborted).toBe(true);
    model.dispose();
  });

  it('races streamText to the first content chunk', async () => {
    const gpt = scriptedModel(
      'gpt-4o',
      [{ parts: [], end: 'hang' }, { parts: answerParts('gpt-4o', 'from the hedge') }],
      'openai.chat',
    );
    const model = withResilience(gpt.model, { name: 'hedged-stream', policy, registry });
    const result = streamText({ model, prompt, maxRetries: 0 });
    const text = result.text;
    await vi.advanceTimersByTimeAsync(500);
    expect(await text).toBe('from the hedge');
    expect(gpt.calls).toHaveLength(2);
    expect(gpt.calls[0]?.abortSignal?.aborted).toBe(true);
    model.dispose();
  });
});
