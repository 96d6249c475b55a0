import type { LanguageModelV4CallOptions, LanguageModelV4Prompt } from '@ai-sdk/provider';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InnerRetryReporter } from '../shared/inner-retries.js';
import { RetryWatch } from './retry-watch.js';

const promptOf = (text: string): LanguageModelV4Prompt => [
  { role: 'user', content: [{ type: 'text', text }] },
];
const call = (prompt: LanguageModelV4Prompt, abortSignal?: AbortSignal): LanguageModelV4CallOptions => ({
  prompt,
  ...(abortSignal === undefined ? {} : { abortSignal }),
});

function watch(): { watch: RetryWatch; reports: () => number } {
  const report = vi.fn();
  return {
    watch: new RetryWatch({ report } as unknown as InnerRetryReporter),
    reports: () => report.mock.calls.length,
  };
}

describe('RetryWatch', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports a call that repeats the very prompt of a thrown failure (SDK maxRetries, outer wrappers)', () => {
    const { watch: w, reports } = watch();
    const prompt = promptOf('hi');
    w.check(call(prompt));
    w.failed(call(prompt), 'thrown');
    w.check(call(prompt));
    expect(reports()).toBe(1);
    w.check(call(prompt)); // matched once: the next call is not a second retry of that failure
    expect(reports()).toBe(1);
  });

  it('does not remember a cancelled call (the SDK never retries one)', () => {
    const { watch: w, reports } = watch();
    const controller = new AbortController();
    const prompt = promptOf('hi');
    controller.abort();
    w.failed(call(prompt, controller.signal), 'stream');
    w.check(call(prompt, controller.signal));
    expect(reports()).toBe(0);
  });

  it('does not take a new call with an equal prompt for the retry of a thrown failure', () => {
    const { watch: w, reports } = watch();
    w.failed(call(promptOf('hi')), 'thrown');
    w.check(call(promptOf('hi')));
    expect(reports()).toBe(0);
  });

  it('reports an equal prompt with the same signal soon after a stream failure (streamRetries rebuilds it)', () => {
    const { watch: w, reports } = watch();
    const signal = new AbortController().signal;
    w.failed(call(promptOf('hi'), signal), 'stream');
    w.check(call(promptOf('hi'), new AbortController().signal)); // another caller
    w.check(call(promptOf('hello'), signal)); // another prompt
    expect(reports()).toBe(0);
    w.check(call(promptOf('hi'), signal));
    expect(reports()).toBe(1);
  });

  it('forgets a stream failure after 10 s and a thrown one after 70 s', () => {
    vi.useFakeTimers();
    const { watch: w, reports } = watch();
    const streamed = promptOf('streamed');
    const thrown = promptOf('thrown');
    w.failed(call(streamed), 'stream');
    w.failed(call(thrown), 'thrown');
    vi.advanceTimersByTime(10_000);
    w.check(call(promptOf('streamed')));
    expect(reports()).toBe(0);
    vi.advanceTimersByTime(59_999);
    w.check(call(thrown));
    expect(reports()).toBe(1);
    w.failed(call(thrown), 'thrown');
    vi.advanceTimersByTime(70_000);
    w.check(call(thrown));
    expect(reports()).toBe(1);
  });

  it('remembers at most 16 failures, and a prompt that cannot be serialised never matches by content', () => {
    const { watch: w, reports } = watch();
    const first = promptOf('first');
    w.failed(call(first), 'thrown');
    for (let i = 0; i < 16; i++) w.failed(call(promptOf(`other ${i}`)), 'thrown');
    w.check(call(first));
    expect(reports()).toBe(0);
    const cyclic = promptOf('cyclic') as unknown as { self?: unknown }[];
    cyclic[0]!.self = cyclic;
    w.failed(call(cyclic as unknown as LanguageModelV4Prompt), 'stream');
    expect(() => w.check(call(cyclic.slice() as unknown as LanguageModelV4Prompt))).not.toThrow();
    expect(reports()).toBe(0);
  });
});
