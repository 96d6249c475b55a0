import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { classifyError } from '../../classify/classifier.js';
import { captureDiagErrors } from '../../test-support/diag.js';
import { seededRandom } from '../../test-support/prng.js';
import { chaosFn } from './chaos-fn.js';
import { createChaos } from './controller.js';
import { attempts, CALL, input, on, runtime } from './test-support/harness.js';

describe('chaosFn: nothing to inject', () => {
  it('returns fn itself when the controller is not ours, and calls fn straight through otherwise', async () => {
    const fn = vi.fn(() => 'answer');
    const foreign = { enabled: true, enable() {}, disable() {}, configure: vi.fn(), state: vi.fn() };
    expect(chaosFn(foreign as never, runtime, CALL, fn)).toBe(fn);
    const disabled = chaosFn(createChaos({ faults: [{ fault: 'timeout', rate: 1 }] }), runtime, CALL, fn);
    const i = input();
    expect(disabled(i)).toBe('answer'); // no promise wrapping when nothing is injected
    expect(fn).toHaveBeenCalledWith(i);
  });
});

describe('chaosFn: error faults', () => {
  it('throws the provider-shaped error without calling fn, and counts it', async () => {
    const chaos = on([{ fault: 'rate_limited', rate: 1, retryAfterMs: 3000, provider: 'anthropic' }]);
    const fn = vi.fn(async () => 'answer');
    const [error] = await attempts(chaosFn(chaos, runtime, CALL, fn), 1);
    expect(fn).not.toHaveBeenCalled();
    expect(classifyError(error)).toMatchObject({
      category: 'rate_limited',
      retryAfterMs: 3000,
      errorType: 'RateLimitError',
      injected: true,
    });
    expect(chaos.state().injections.rate_limited).toBe(1);
  });

  it('rolls per invocation: rate 0.3 over 10,000 attempts (seeded) hits ~30 %', async () => {
    const chaos = on([{ fault: 'server_error', rate: 0.3 }], { random: seededRandom(11) });
    const fn = vi.fn(async () => 'answer');
    const errors = await attempts(chaosFn(chaos, runtime, CALL, fn), 10_000);
    // Binomial(10000, 0.3): sd ≈ 46; the seeded run is deterministic, the bound is 4 sd.
    expect(Math.abs(errors.length - 3000)).toBeLessThan(184);
    expect(fn).toHaveBeenCalledTimes(10_000 - errors.length);
    expect(chaos.state().injections.server_error).toBe(errors.length);
  });

  it('gives each error fault its own share, at most one per attempt, in order', async () => {
    const chaos = on(
      [
        { fault: 'timeout', rate: 0.2 },
        { fault: 'network', rate: 0.5 },
      ],
      { random: seededRandom(7) },
    );
    const errors = await attempts(
      chaosFn(chaos, runtime, CALL, async () => 'ok'),
      10_000,
    );
    const kinds = errors.map(e => (e as Error).constructor.name);
    const timeouts = kinds.filter(k => k === 'APIConnectionTimeoutError').length;
    const resets = kinds.filter(k => k === 'APIConnectionError').length;
    expect(timeouts + resets).toBe(errors.length);
    expect(Math.abs(timeouts - 2000)).toBeLessThan(160);
    expect(Math.abs(resets - 5000)).toBeLessThan(200);
    // One draw per attempt: a draw of 0.3 falls in network's slice [0.2, 0.7).
    const scripted = on(
      [
        { fault: 'timeout', rate: 0.2 },
        { fault: 'network', rate: 0.5 },
      ],
      { random: () => 0.3 },
    );
    const [error] = await attempts(
      chaosFn(scripted, runtime, CALL, async () => 'ok'),
      1,
    );
    expect(classifyError(error).category).toBe('network');
  });

  it('a stream fault leaves a call made with execute alone; an error fault applies to streamed calls too', async () => {
    const fn = vi.fn(async () => 'answer');
    const drop = on([{ fault: 'stream_drop', rate: 1 }]);
    expect(await chaosFn(drop, runtime, CALL, fn)(input())).toBe('answer');
    const streamed = { ...CALL, streamed: true };
    const [error] = await attempts(chaosFn(on([{ fault: 'overloaded', rate: 1 }]), runtime, streamed, fn), 1);
    expect(classifyError(error).category).toBe('overloaded');
  });

  it('a random source that throws injects nothing and is reported', async () => {
    const errors = captureDiagErrors();
    const random = () => {
      throw new Error('no entropy');
    };
    const fn = chaosFn(on([{ fault: 'timeout', rate: 1 }], { random }), runtime, CALL, async () => 'ok');
    expect(await fn(input())).toBe('ok');
    expect(errors).toContain('agent-resilience: chaos random failed');
  });
});

describe('chaosFn: scope and runtime switching', () => {
  it.each([
    [{ policies: ['other'] }, false],
    [{ policies: ['other', 'llm'] }, true],
    [{ models: ['gpt-4o'] }, false],
    [{ models: ['gpt-4o-mini'] }, true],
    [{ tenants: ['acme'], models: ['gpt-4o-mini'] }, true],
    [{ tenants: ['acme'], models: ['claude'] }, false],
    [{}, true],
  ])('scope %j injects: %s', async (scope, injects) => {
    const chaos = on([{ fault: 'timeout', rate: 1 }], { scope });
    const errors = await attempts(
      chaosFn(chaos, runtime, CALL, async () => 'ok'),
      1,
    );
    expect(errors.length).toBe(injects ? 1 : 0);
  });

  it('a call without a tenant matches no tenants list', async () => {
    const chaos = on([{ fault: 'timeout', rate: 1 }], { scope: { tenants: ['acme'] } });
    expect(
      await attempts(
        chaosFn(chaos, runtime, { streamed: false }, async () => 'ok'),
        1,
      ),
    ).toEqual([]);
  });

  it('each attempt reads the switch: disable() or configure() between attempts takes effect at the next one', async () => {
    const chaos = on([{ fault: 'timeout', rate: 1 }]);
    const wrapped = chaosFn(chaos, runtime, CALL, async () => 'ok');
    expect(await attempts(wrapped, 1)).toHaveLength(1);
    chaos.disable();
    expect(await attempts(wrapped, 1)).toHaveLength(0);
    chaos.enable();
    chaos.configure({ scope: { tenants: ['someone-else'] } });
    expect(await attempts(wrapped, 1)).toHaveLength(0);
  });
});

describe('chaosFn: latency and the attempt signal', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits the latency, then calls fn', async () => {
    const fn = vi.fn(async () => 'answer');
    const chaos = on([{ fault: 'latency', rate: 1, latencyMs: 2000 }]);
    const result = chaosFn(chaos, runtime, CALL, fn)(input());
    await vi.advanceTimersByTimeAsync(1999);
    expect(fn).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toBe('answer');
    expect(chaos.state().injections.latency).toBe(1);
  });

  it('combines latency with an error fault: the error comes after the wait', async () => {
    const chaos = on([
      { fault: 'latency', rate: 1, latencyMs: 500 },
      { fault: 'quota_exceeded', rate: 1 },
    ]);
    const settled = vi.fn();
    const result = (chaosFn(chaos, runtime, CALL, async () => 'ok')(input()) as Promise<unknown>).catch(e => {
      settled();
      return e;
    });
    await vi.advanceTimersByTimeAsync(499);
    expect(settled).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(classifyError(await result).category).toBe('quota_exceeded');
    expect(chaos.state().injections).toMatchObject({ latency: 1, quota_exceeded: 1 });
  });

  it('an abort during the latency rejects with the signal reason at once and leaves no timer', async () => {
    const fn = vi.fn(async () => 'answer');
    const controller = new AbortController();
    const chaos = on([
      { fault: 'latency', rate: 1, latencyMs: 60_000 },
      { fault: 'timeout', rate: 1 },
    ]);
    const result = chaosFn(chaos, runtime, CALL, fn)(input(controller.signal)) as Promise<unknown>;
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(result).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
    expect(fn).not.toHaveBeenCalled();
  });

  it('an error fault on an aborted attempt rejects with the abort reason, not the injected error', async () => {
    const controller = new AbortController();
    const reason = new DOMException('aborted', 'AbortError');
    controller.abort(reason);
    const chaos = on([{ fault: 'server_error', rate: 1 }]);
    await expect(chaosFn(chaos, runtime, CALL, async () => 'ok')(input(controller.signal))).rejects.toBe(
      reason,
    );
    expect(chaos.state().injections.server_error).toBe(0);
  });

  it('draws a log-normal latency per attempt', async () => {
    const random = vi.fn(seededRandom(3));
    const chaos = on([{ fault: 'latency', rate: 1, latencyMs: { p50Ms: 300, p99Ms: 4000 } }], { random });
    const fn = vi.fn(async () => 'ok');
    const result = chaosFn(chaos, runtime, CALL, fn)(input());
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await result).toBe('ok');
    expect(random).toHaveBeenCalledTimes(3); // the roll, then two draws for the delay
  });
});

describe('chaosFn: streamed calls', () => {
  const STREAMED = { ...CALL, streamed: true };
  async function* chunks() {
    yield 'a';
    yield 'b';
    yield 'c';
  }

  it('wraps the stream fn opens (sync or async) so it breaks after afterChunks', async () => {
    const chaos = on([{ fault: 'stream_drop', rate: 1, afterChunks: 2 }]);
    const stream = (await chaosFn(chaos, runtime, STREAMED, async () => chunks())(
      input(),
    )) as AsyncIterable<string>;
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) seen.push(chunk);
      })(),
    ).rejects.toThrow('terminated');
    expect(seen).toEqual(['a', 'b']);
    expect(chaos.state().injections.stream_drop).toBe(1);
  });

  it('passes through what is not a stream, and a failure to open one', async () => {
    const chaos = on([{ fault: 'stream_error', rate: 1 }]);
    expect(await chaosFn(chaos, runtime, STREAMED, () => 'not a stream')(input())).toBe('not a stream');
    const failure = new Error('429 from the real provider');
    await expect(
      chaosFn(chaos, runtime, STREAMED, async () => Promise.reject(failure))(input()),
    ).rejects.toBe(failure);
    expect(chaos.state().injections.stream_error).toBe(0);
  });
});
