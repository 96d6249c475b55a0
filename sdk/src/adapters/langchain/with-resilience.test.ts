import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallCancelledError, StreamBrokenError } from '../../errors/call-errors.js';
import {
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_RESILIENCE_FALLBACK_KIND,
  ATTR_RESILIENCE_TOKEN_KIND,
  EVENT_INNER_RETRY,
  METRIC_FALLBACKS,
  METRIC_INNER_RETRIES,
  METRIC_RETRIES,
  METRIC_TOKENS,
} from '../../semconv.js';
import { httpError } from '../../test-support/errors.js';
import { TestTelemetry } from '../../test-support/otel.js';
import { ScriptedChatModel } from './test-support/scripted-chat-model.js';
import { withResilience } from './with-resilience.js';

const fast = { retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 1 } };

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

/** The text of each chunk the consumer of `stream` receives. */
async function chunksOf(stream: AsyncIterable<{ text: string }>): Promise<string[]> {
  const chunks: string[] = [];
  for await (const chunk of stream) chunks.push(chunk.text);
  return chunks;
}

/** The text the consumer of `stream` sees. */
const streamText = async (stream: AsyncIterable<{ text: string }>): Promise<string> =>
  (await chunksOf(stream)).join('');

describe('withResilience (a LangChain chat model through policies and fallbacks)', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    vi.useFakeTimers();
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    vi.useRealTimers();
    await otel.uninstall();
  });

  it('retries a 429 with Retry-After on invoke and serves the answer', async () => {
    const primary = new ScriptedChatModel('gpt-x', [
      { fail: httpError(429, { 'retry-after-ms': '200' }) },
      { text: 'hello' },
    ]);
    const model = withResilience(primary, { policy: fast, registry: null });
    const answer = await settle(model.invoke('hi'));
    expect(answer.text).toBe('hello');
    expect(primary.calls).toHaveLength(2);
    expect(await otel.total(METRIC_RETRIES)).toBe(1);
    model.dispose();
  });

  it('gives each attempt its own signal, aborted when the call is cancelled', async () => {
    const primary = new ScriptedChatModel('gpt-x', [{ chunks: [], after: 'stall' }]);
    const model = withResilience(primary, { registry: null });
    const controller = new AbortController();
    const call = model.invoke('hi', { signal: controller.signal }).catch(error => error);
    await vi.advanceTimersByTimeAsync(5);
    controller.abort();
    const error = await settle(call);
    expect(error).toBeInstanceOf(CallCancelledError);
    expect(primary.calls[0]?.signal).not.toBe(controller.signal);
    expect(primary.calls[0]?.signal?.aborted).toBe(true);
    model.dispose();
  });

  it('falls back to the next model when the primary is down; its breaker opens and later calls skip it', async () => {
    const primary = new ScriptedChatModel('gpt-x', [{ fail: httpError(503) }]);
    const backup = new ScriptedChatModel('claude-y', [{ text: 'from backup' }]);
    const model = withResilience(primary, {
      fallbacks: [backup],
      policy: { circuitBreaker: { breaker: { kind: 'consecutive', threshold: 1 } } },
      registry: null,
    });
    expect((await settle(model.invoke('hi'))).text).toBe('from backup');
    expect((await settle(model.invoke('hi again'))).text).toBe('from backup');
    expect(primary.calls).toHaveLength(1);
    expect(backup.calls).toHaveLength(2);
    expect(await otel.total(METRIC_FALLBACKS)).toBe(2);
    model.dispose();
  });

  it('streams from the next model when the primary stalls before its first content chunk, showing nothing twice', async () => {
    const primary = new ScriptedChatModel('gpt-x', [{ chunks: [''], after: 'stall' }]);
    const backup = new ScriptedChatModel('claude-y', [{ text: 'Hello there', chunks: ['Hello', ' there'] }]);
    const model = withResilience(primary, {
      fallbacks: [backup],
      policy: { retry: { maxRetries: 0 } },
      stream: { stallTimeoutMs: 100 },
      registry: null,
    });
    // The primary's opening (non-content) chunk never reaches the consumer: only the serving model's chunks do.
    expect(await settle(model.stream('hi').then(chunksOf))).toEqual(['Hello', ' there']);
    expect(primary.calls[0]).toMatchObject({ streamed: true, closed: true });
    expect(primary.calls[0]?.signal?.aborted).toBe(true);
    model.dispose();
  });

  it('falls back on a first-chunk timeout', async () => {
    const primary = new ScriptedChatModel('gpt-x', [{ chunks: [], after: 'stall' }]);
    const backup = new ScriptedChatModel('claude-y', [{ text: 'ok' }]);
    const model = withResilience(primary, {
      fallbacks: [backup],
      policy: { retry: { maxRetries: 0 } },
      stream: { firstChunkTimeoutMs: 50 },
      registry: null,
    });
    expect(await settle(model.stream('hi').then(streamText))).toBe('ok');
    model.dispose();
  });

  it('ends a stream that breaks after its first content chunk with a classified StreamBrokenError, not a replay', async () => {
    const primary = new ScriptedChatModel('gpt-x', [
      { chunks: ['Hel', 'lo'], after: { error: httpError(502) } },
      { text: 'never' },
    ]);
    const backup = new ScriptedChatModel('claude-y', [{ text: 'never' }]);
    const model = withResilience(primary, { fallbacks: [backup], policy: fast, registry: null });
    const seen: string[] = [];
    const read = (async () => {
      for await (const chunk of await model.stream('hi')) seen.push(chunk.text);
    })();
    const error = await settle(
      read.then(
        () => undefined,
        e => e,
      ),
    );
    expect(StreamBrokenError.isInstance(error)).toBe(true);
    expect((error as StreamBrokenError).classified.category).toBe('server_error');
    expect(seen.join('')).toBe('Hello');
    expect(primary.calls).toHaveLength(1);
    expect(backup.calls).toHaveLength(0);
    model.dispose();
  });

  it("continues a stream that broke after its commit on the next model with 'fallback-continue'", async () => {
    const primary = new ScriptedChatModel('gpt-x', [
      { chunks: ['Hel', 'lo'], after: { error: httpError(502) } },
    ]);
    const backup = new ScriptedChatModel('claude-y', [{ text: ' world', chunks: [' wor', 'ld'] }]);
    const model = withResilience(primary, {
      fallbacks: [backup],
      stream: { afterCommit: 'fallback-continue' },
      registry: null,
    });
    expect(await settle(model.stream('Say hello').then(chunksOf))).toEqual(['Hel', 'lo', ' wor', 'ld']);
    // The backup was sent the partial answer as an assistant message to continue.
    expect(backup.calls[0]?.messages).toEqual(['Say hello', 'Hello']);
    expect(await otel.total(METRIC_FALLBACKS, { [ATTR_RESILIENCE_FALLBACK_KIND]: 'continuation' })).toBe(1);
    model.dispose();
  });

  it("closes the provider stream at the consumer's break, not at the provider's next chunk", async () => {
    const primary = new ScriptedChatModel('gpt-x', [{ text: 'a b c d', chunks: ['a', ' b', ' c', ' d'] }]);
    const model = withResilience(primary, { registry: null });
    let broke = false;
    const read = (async () => {
      for await (const chunk of await model.stream('hi')) {
        if (chunk.text === 'a') {
          broke = true;
          break;
        }
      }
    })();
    // Chunks come every 10 ms: at 15 ms the consumer has broken out and the read of ' b' is pending.
    await vi.advanceTimersByTimeAsync(15);
    expect(broke).toBe(true);
    // Without the clock moving, the consumer's loop ends and the provider stream is closed.
    let ended = false;
    void read.then(() => {
      ended = true;
    });
    for (let turn = 0; turn < 200 && !ended; turn++) await Promise.resolve();
    expect(ended).toBe(true);
    expect(primary.calls[0]).toMatchObject({ closed: true });
    expect(primary.calls[0]?.signal?.aborted).toBe(true);
    model.dispose();
  });

  it('rejects a cancelled stream as cancelled, without trying the fallback', async () => {
    const primary = new ScriptedChatModel('gpt-x', [{ chunks: [], after: 'stall' }]);
    const backup = new ScriptedChatModel('claude-y', [{ text: 'never' }]);
    const model = withResilience(primary, { fallbacks: [backup], registry: null });
    const controller = new AbortController();
    const read = model.stream('hi', { signal: controller.signal }).then(streamText);
    const outcome = read.then(
      () => undefined,
      e => e,
    );
    await vi.advanceTimersByTimeAsync(20);
    controller.abort();
    const error = await settle(outcome);
    // LangChain's own stream ends with the caller's AbortError (it checks the signal between chunks).
    expect((error as Error).name).toBe('AbortError');
    expect(backup.calls).toHaveLength(0);
    model.dispose();
  });

  it('binds tools to every model of the chain', async () => {
    const primary = new ScriptedChatModel('gpt-x', [{ fail: httpError(503) }]);
    const backup = new ScriptedChatModel('claude-y', [{ text: 'ok' }]);
    const model = withResilience(primary, { fallbacks: [backup], policy: {}, registry: null });
    const lookup = { name: 'lookup', description: 'Looks up', schema: { type: 'object', properties: {} } };
    await settle(model.bindTools([lookup]).invoke('hi'));
    expect(primary.calls[0]?.tools).toEqual(['lookup']);
    expect(backup.calls[0]?.tools).toEqual(['lookup']);
    model.dispose();
  });

  it('counts the tokens of the served answer and of failed attempts apart', async () => {
    const primary = new ScriptedChatModel('gpt-x', [
      { chunks: ['', ''], after: { error: httpError(503) } },
      { text: 'ok', usage: { input: 7, output: 3 } },
    ]);
    const model = withResilience(primary, { policy: fast, registry: null });
    expect(await settle(model.stream('hi').then(streamText))).toBe('ok');
    const served = { [ATTR_RESILIENCE_TOKEN_KIND]: 'served' };
    expect(await otel.total(METRIC_TOKENS, { ...served, [ATTR_GEN_AI_TOKEN_TYPE]: 'input' })).toBe(7);
    expect(await otel.total(METRIC_TOKENS, { ...served, [ATTR_GEN_AI_TOKEN_TYPE]: 'output' })).toBe(3);
    model.dispose();
  });

  it('counts a call to a model that retries on its own once, however many attempts it takes', async () => {
    const primary = new ScriptedChatModel('gpt-x', [{ fail: httpError(503) }, { text: 'ok' }], {
      maxRetries: 6,
    });
    const model = withResilience(primary, { policy: fast, registry: null });
    await settle(model.invoke('hi'));
    expect(primary.calls).toHaveLength(2);
    expect(await otel.total(METRIC_INNER_RETRIES)).toBe(1);
    const events = otel.spans().flatMap(span => span.events.map(event => event.name));
    expect(events.filter(name => name === EVENT_INNER_RETRY)).toHaveLength(1);
    model.dispose();
  });

  it('emits resilience spans only: no GenAI chat span and no gen_ai.usage attributes', async () => {
    const primary = new ScriptedChatModel('gpt-x', [{ text: 'ok', usage: { input: 7, output: 3 } }]);
    const model = withResilience(primary, { name: 'support', registry: null });
    await settle(model.invoke('hi'));
    const spans = otel.spans();
    expect(spans.map(s => s.name).sort()).toEqual(['support.model', 'support.model.scripted.gpt-x']);
    for (const span of spans) {
      expect(span.name).not.toMatch(/^chat /);
      expect(Object.keys(span.attributes).filter(k => k.startsWith('gen_ai.usage'))).toEqual([]);
    }
    model.dispose();
  });

  it('rejects bad options with a message naming the option', () => {
    const primary = new ScriptedChatModel('gpt-x', [{ text: 'ok' }]);
    expect(() => withResilience(primary, { fallbacks: ['gpt-4o' as never] })).toThrow(
      /fallbacks\[0\] must be a LangChain chat model \(a BaseChatModel\), got "gpt-4o"/,
    );
    expect(() => withResilience(primary, { stream: { stallTimeoutMs: -1 } })).toThrow(
      /stream\.stallTimeoutMs must be a number in \(0, 2147483647\], got -1/,
    );
    expect(() => withResilience(primary, { stream: { afterCommit: 'replay' as never } })).toThrow(
      /stream\.afterCommit must be one of "error", "fallback-continue", got "replay"/,
    );
    expect(() => withResilience({} as never)).toThrow(TypeError);
  });
});
