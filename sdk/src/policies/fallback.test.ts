import { describe, expect, it, vi } from 'vitest';
import type { ClassifiedError } from '../classify/types.js';
import { CallCancelledError, NonRetryableError } from '../errors/call-errors.js';
import { createPolicy } from '../pipeline/create-policy.js';
import { httpError } from '../test-support/errors.js';

const failWith = (error: unknown) => async (): Promise<string> => {
  throw error;
};

describe('fallback', () => {
  it('serves a static value', async () => {
    const policy = createPolicy('f', { registry: null, fallback: { value: 'static' } });
    await expect(policy.execute(failWith(httpError(500)))).resolves.toBe('static');
  });

  it('emits onFallback with the kind and the final error, reason included', async () => {
    const policy = createPolicy('f', { registry: null, fallback: { value: 'x' } });
    const events: unknown[] = [];
    policy.onFallback(e =>
      events.push({ kind: e.kind, reason: e.error.reason, category: e.error.classified.category }),
    );
    await policy.execute(failWith(httpError(400)));
    expect(events).toEqual([{ kind: 'value', reason: 'non_retryable', category: 'validation' }]);
  });

  it('passes the classified failure to a factory', async () => {
    const seen: ClassifiedError[] = [];
    const policy = createPolicy('f', {
      registry: null,
      fallback: {
        factory: ({ error, attempts, policy: name }) => {
          seen.push(error);
          return `${name}: ${error.category} after ${attempts}`;
        },
      },
    });
    await expect(policy.execute(failWith(httpError(503)))).resolves.toBe('f: server_error after 1');
    expect(seen[0]).toMatchObject({ category: 'server_error', statusCode: 503 });
  });

  it('gives a factory the per-call properties (e.g. the prompt for a second model)', async () => {
    const policy = createPolicy('f', {
      registry: null,
      fallback: { factory: ({ properties }) => `backup model answered: ${String(properties.prompt)}` },
    });
    await expect(
      policy.execute(failWith(httpError(503)), { properties: { prompt: 'where is my order?' } }),
    ).resolves.toBe('backup model answered: where is my order?');
  });

  it('chains fallbacks: a throwing factory is skipped and the next one serves', async () => {
    const policy = createPolicy('f', {
      registry: null,
      fallback: [
        {
          factory: () => {
            throw new Error('second model down too');
          },
        },
        { value: 'last resort' },
      ],
    });
    await expect(policy.execute(failWith(httpError(500)))).resolves.toBe('last resort');
  });

  it('serves per category, e.g. context_length_exceeded → a larger-context model', async () => {
    const larger = vi.fn(async () => 'answer from the 1M-token model');
    const policy = createPolicy('f', {
      registry: null,
      fallback: { when: ['context_length_exceeded'], factory: larger },
    });
    const tooLong = Object.assign(new Error("This model's maximum context length is 8192 tokens"), {
      status: 400,
      error: { code: 'context_length_exceeded', type: 'invalid_request_error' },
    });
    await expect(policy.execute(failWith(tooLong))).resolves.toBe('answer from the 1M-token model');
    const other = await policy.execute(failWith(httpError(401))).catch(e => e);
    expect(other).toBeInstanceOf(NonRetryableError);
    expect(larger).toHaveBeenCalledTimes(1);
  });

  it('keeps the original error when every fallback fails', async () => {
    const policy = createPolicy('f', {
      registry: null,
      fallback: {
        factory: () => {
          throw new Error('fallback bug');
        },
      },
    });
    const error = await policy.execute(failWith(httpError(500, {}, 'upstream exploded'))).catch(e => e);
    expect(error.message).toContain('upstream exploded');
    expect(error.classified.statusCode).toBe(500);
  });

  it('serves the last good result per cache key until it expires', async () => {
    vi.useFakeTimers();
    try {
      const policy = createPolicy('f', {
        registry: null,
        fallback: { cache: { ttlMs: 60_000, maxEntries: 10 } },
      });
      await policy.execute(async () => 'refund policy v1', { cacheKey: 'refunds' });
      await policy.execute(async () => 'shipping v1', { cacheKey: 'shipping' });
      await expect(policy.execute(failWith(httpError(503)), { cacheKey: 'refunds' })).resolves.toBe(
        'refund policy v1',
      );
      await expect(policy.execute(failWith(httpError(503)), { cacheKey: 'unknown' })).rejects.toThrow();
      // Without a key nothing is stored or served: one caller never gets another caller's answer.
      await policy.execute(async () => 'answer for someone', {});
      await expect(policy.execute(failWith(httpError(503)))).rejects.toThrow();
      vi.advanceTimersByTime(60_000);
      await expect(policy.execute(failWith(httpError(503)), { cacheKey: 'refunds' })).rejects.toThrow();
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not mask a caller abort by default', async () => {
    const policy = createPolicy('f', { registry: null, fallback: { value: 'x' } });
    const controller = new AbortController();
    controller.abort();
    await expect(policy.execute(async () => 'y', { signal: controller.signal })).rejects.toBeInstanceOf(
      CallCancelledError,
    );
  });

  it('rejects malformed fallbacks', () => {
    expect(() => createPolicy('f', { fallback: { value: 1, factory: () => 2 } as never })).toThrow(
      /fallback must be an object with exactly one of value, factory, cache/,
    );
    expect(() => createPolicy('f', { fallback: [{ cache: { ttlMs: 0 } }] })).toThrow(
      /fallback\[0\]\.cache\.ttlMs must be a number in \(0, 2147483647\], got 0/,
    );
    expect(() => createPolicy('f', { fallback: { value: 1, when: ['nope' as 'timeout'] } })).toThrow(
      /fallback\.when\[0\] must be one of/,
    );
  });
});
