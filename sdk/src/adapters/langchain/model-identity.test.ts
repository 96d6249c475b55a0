import { ChatOpenAI } from '@langchain/openai';
import { initChatModel } from 'langchain';
import { describe, expect, it } from 'vitest';
import { innerMaxRetriesOf, isChatModel, modelKeyOf } from './model-identity.js';
import { ScriptedChatModel } from './test-support/scripted-chat-model.js';

const openai = (maxRetries?: number) =>
  new ChatOpenAI({
    model: 'gpt-4o-mini',
    apiKey: 'sk-test',
    ...(maxRetries === undefined ? {} : { maxRetries }),
  });

describe('LangChain model identity', () => {
  it('keys a model by its LangSmith provider and model name', () => {
    expect(modelKeyOf(openai())).toEqual({ provider: 'openai', model: 'gpt-4o-mini' });
    expect(modelKeyOf(new ScriptedChatModel('m-1', []))).toEqual({ provider: 'scripted', model: 'm-1' });
  });

  it('keys a ConfigurableModel (a "provider:model" string) by its settings', async () => {
    const model = await initChatModel('openai:gpt-4o', { apiKey: 'sk-test' });
    expect(modelKeyOf(model)).toEqual({ provider: 'openai', model: 'gpt-4o' });
  });

  it("reads LangChain's own retries: the AsyncCaller's maxRetries (default 6), or a ConfigurableModel's", async () => {
    expect(innerMaxRetriesOf(openai())).toBe(6);
    expect(innerMaxRetriesOf(openai(0))).toBe(0);
    expect(innerMaxRetriesOf(await initChatModel('openai:gpt-4o', { apiKey: 'sk-test' }))).toBe(6);
    expect(
      innerMaxRetriesOf(await initChatModel('openai:gpt-4o', { apiKey: 'sk-test', maxRetries: 0 })),
    ).toBe(0);
  });

  it('recognises chat models and nothing else', () => {
    expect(isChatModel(openai())).toBe(true);
    expect(isChatModel('openai:gpt-4o')).toBe(false);
    expect(isChatModel({ invoke() {}, stream() {} })).toBe(false);
    expect(isChatModel(null)).toBe(false);
  });
});
