/** Test helpers: a provider per test file and the real clients pointed at it (with their own retries off). */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { FakeLlmProvider, type FakeLlmProviderOptions } from './fake-llm-provider.js';

/** Starts a provider before the file's tests, clears it (script, records, default) before each, closes it after. */
export function useFakeProvider(options?: FakeLlmProviderOptions): () => FakeLlmProvider {
  let provider: FakeLlmProvider | undefined;
  beforeAll(async () => {
    provider = await FakeLlmProvider.start(options);
  });
  beforeEach(() => {
    provider?.clear();
    provider?.setDefault({ kind: 'answer' });
  });
  afterAll(() => provider?.close());
  return () => provider!;
}

export const openaiFor = (provider: FakeLlmProvider): OpenAI =>
  new OpenAI({ apiKey: 'sk-test-not-a-real-key', baseURL: provider.openaiBaseURL, maxRetries: 0 });

export const anthropicFor = (provider: FakeLlmProvider): Anthropic =>
  new Anthropic({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: provider.anthropicBaseURL, maxRetries: 0 });

/** Reads a stream to its end or its error, keeping what arrived before the error. */
export async function drain<T>(stream: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of stream) items.push(item);
    return { items, error: undefined };
  } catch (error) {
    return { items, error };
  }
}

/** The string `code`s along an error's cause chain, outermost first (e.g. `ECONNRESET`, `UND_ERR_SOCKET`). */
export function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (
    let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 10;
    depth++
  ) {
    if (typeof e.code === 'string') codes.push(e.code);
    e = e.cause as typeof e;
  }
  return codes;
}
