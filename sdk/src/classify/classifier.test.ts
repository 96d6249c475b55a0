import { diag } from '@opentelemetry/api';
import { describe, expect, it, vi } from 'vitest';
import { buildClassifier, classifyError, createClassifier } from './classifier.js';
import { classifierAt } from './test-support/clock.js';
import { expectClassified } from './test-support/expect.js';
import * as openai from './test-support/openai.js';
import { systemError } from './test-support/undici.js';

class ToolError extends Error {
  override name = 'ToolError';
}

const rateLimited = () =>
  openai.APIError.generate(
    429,
    { error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } },
    { 'retry-after': '3' },
  );

describe('classifyError', () => {
  it('describes non-errors in the message', () => {
    expect(classifyError(undefined).message).toBe('undefined');
    expect(classifyError(null).message).toBe('null');
    expect(classifyError(Symbol('oops')).message).toBe('Symbol(oops)');
    expect(classifyError({}).message).toBe('[object Object]');
    expect(classifyError({ message: { detail: 'nested' } }).message).toBe('{"detail":"nested"}');
  });

  it('keeps the original value as cause and freezes the result', () => {
    const error = new Error('x');
    const classified = classifyError(error);
    expect(classified.cause).toBe(error);
    expect(Object.isFrozen(classified)).toBe(true);
  });

  it('is pure: the same error gives the same classification', () => {
    const error = rateLimited();
    expect(classifyError(error)).toEqual(classifyError(error));
  });

  it('gives the user message of the category', () => {
    expect(classifyError(rateLimited()).userMessage).toBe(
      'The AI service is receiving too many requests. Retrying shortly.',
    );
  });
});

describe('nested errors', () => {
  it('classifies a generic wrapper by its cause, with the cause’s status, Retry-After and class', () => {
    const classified = classifyError(new Error('LLM call failed', { cause: rateLimited() }));
    expectClassified(classified, {
      category: 'rate_limited',
      retryable: true,
      errorType: 'RateLimitError',
      statusCode: 429,
      retryAfterMs: 3000,
    });
    expect(classified.message).toBe('LLM call failed (cause: 429 Rate limit reached)');
  });

  it('lets a precise cause refine a verdict read from the message', () => {
    const classified = classifyError(new ToolError('rate limited by upstream', { cause: rateLimited() }));
    expectClassified(classified, {
      category: 'rate_limited',
      retryable: true,
      errorType: 'ToolError',
      statusCode: 429,
      retryAfterMs: 3000,
    });
  });

  it('obeys x-should-retry on the deciding cause', () => {
    const inner = openai.APIError.generate(500, { error: { message: 'x' } }, { 'x-should-retry': 'false' });
    expect(classifyError(new Error('wrapped', { cause: inner }))).toMatchObject({
      category: 'server_error',
      retryable: false,
    });
  });

  it('keeps a verdict from a field over its cause', () => {
    const error = Object.assign(new Error('Bad request', { cause: systemError('ECONNRESET') }), {
      status: 400,
    });
    expect(classifyError(error).category).toBe('validation');
  });

  it('looks into AggregateError.errors, the first telling one wins', () => {
    const error = new AggregateError(
      [new Error('meh'), systemError('ETIMEDOUT'), systemError('ECONNRESET')],
      'all failed',
    );
    expectClassified(classifyError(error), { category: 'timeout', retryable: true, errorType: 'ETIMEDOUT' });
  });

  it('finds a programming error under a generic wrapper', () => {
    expect(
      classifyError(new Error('tool failed', { cause: new TypeError('x is not a function') })).category,
    ).toBe('programming');
  });

  it('survives cause cycles', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    expectClassified(classifyError(a), { category: 'unknown', retryable: true, errorType: 'Error' });
  });

  it('follows causes 5 levels deep and no deeper', () => {
    const wrap = (levels: number) => {
      let error: unknown = systemError('ECONNRESET');
      for (let i = 0; i < levels; i++) error = new Error(`level ${i}`, { cause: error });
      return error;
    };
    expect(classifyError(wrap(5)).category).toBe('network');
    expect(classifyError(wrap(6)).category).toBe('unknown');
  });
});

describe('hostile values never make it throw', () => {
  const throwing = new Proxy(
    {},
    {
      get() {
        throw new Error('get trap');
      },
      getPrototypeOf() {
        throw new Error('getPrototypeOf trap');
      },
      has() {
        throw new Error('has trap');
      },
    },
  );
  const badGetters = Object.defineProperties(new Error('x'), {
    message: {
      get() {
        throw new Error('message getter');
      },
    },
    name: {
      get() {
        throw new Error('name getter');
      },
    },
    cause: {
      get() {
        throw new Error('cause getter');
      },
    },
  });

  it.each([
    ['a Proxy that throws on every trap', throwing],
    ['an Error with throwing getters', badGetters],
    [
      'an object with a throwing headers.get',
      {
        status: 429,
        headers: {
          get: () => {
            throw new Error('get');
          },
        },
      },
    ],
    [
      'an object with a circular message',
      (() => {
        const o: Record<string, unknown> = {};
        o.message = o;
        return o;
      })(),
    ],
  ])('%s', (_label, value) => {
    expect(() => classifyError(value)).not.toThrow();
    expect(classifyError(value).cause).toBe(value);
  });

  it('returns an unknown classification and reports through diag when classification itself fails', () => {
    const error = vi.spyOn(diag, 'error').mockImplementation(() => {});
    const broken = buildClassifier({ rules: [], defaults: {} as never, retryAfterCapMs: 1 }, Date.now);
    const classified = broken(new Error('x'));
    expect(classified).toMatchObject({
      category: 'unknown',
      errorType: '_OTHER',
      message: 'Unclassifiable error',
    });
    expect(error).toHaveBeenCalledWith(
      'agent-resilience: error classification failed',
      expect.any(TypeError),
    );
  });
});

describe('createClassifier options', () => {
  it('overrides category defaults', () => {
    const classify = createClassifier({
      defaults: {
        unknown: { retryable: false },
        rate_limited: { severity: 'high', userMessage: 'Busy, hold on.' },
      },
    });
    expect(classify(new Error('boom'))).toMatchObject({
      category: 'unknown',
      retryable: false,
      severity: 'medium',
    });
    expect(classify(rateLimited())).toMatchObject({
      severity: 'high',
      retryable: true,
      userMessage: 'Busy, hold on.',
    });
  });

  it('lets x-should-retry override a defaults override too', () => {
    const classify = createClassifier({ defaults: { server_error: { retryable: false } } });
    const error = openai.APIError.generate(500, { error: { message: 'x' } }, { 'x-should-retry': 'true' });
    expect(classify(error).retryable).toBe(true);
  });

  it('clamps Retry-After to retryAfterCapMs', () => {
    const classify = classifierAt(undefined, { retryAfterCapMs: 10_000 });
    const error = openai.APIError.generate(429, { error: { message: 'x' } }, { 'retry-after': '3600' });
    expect(classify(error).retryAfterMs).toBe(10_000);
  });

  it('returns a classifier equivalent to classifyError without options', () => {
    const { cause: _a, ...a } = createClassifier()(rateLimited());
    const { cause: _b, ...b } = classifyError(rateLimited());
    expect(a).toEqual(b);
  });
});
