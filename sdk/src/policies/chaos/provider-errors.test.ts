/**
 * Issue 11 §2, "done when": every injected fault is classified exactly as the real client's error would be. The
 * real errors come from the installed `openai` 7 and `@anthropic-ai/sdk` 1.12: built by the SDKs' own
 * `APIError.generate` from the bodies the APIs return, or (connection reset, stream drop, error frame) thrown by the
 * real clients talking to the local fault-injecting provider. Compared field by field, minus `message` (ours says
 * it was injected), `cause` and `injected` (ours only).
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyError } from '../../classify/classifier.js';
import type { ClassifiedError } from '../../errors/classified-error.js';
import { FakeLlmProvider, faults } from '../../test-support/llm-provider.js';
import { INJECTED_NOTE, providerError, streamDropError, streamErrorFrame } from './provider-errors.js';
import type { ChaosProvider } from './types.js';

const PROVIDERS: readonly ChaosProvider[] = ['openai', 'anthropic'];
const COMPARED = [
  'category',
  'severity',
  'retryable',
  'retryAfterMs',
  'errorType',
  'statusCode',
  'code',
  'userMessage',
] as const;

const fields = (c: ClassifiedError) => Object.fromEntries(COMPARED.map(key => [key, c[key]]));

/** What a client's error looks like to code that inspects it (the classifier, a user's `instanceof`-free checks). */
function shape(error: unknown) {
  const e = error as Record<string, unknown> & Error;
  return {
    name: e.name,
    className: e.constructor.name,
    ownKeys: Object.keys(e).sort(),
    status: e.status,
    code: e.code,
    type: e.type,
    headers: e.headers instanceof Headers,
    requestID: typeof e.requestID,
    bodyKeys: e.error === undefined ? undefined : Object.keys(e.error as object).sort(),
  };
}

/** The classifications agree field by field, the injected one says so, and the errors look alike. */
function expectLikeReal(injected: unknown, real: unknown): ClassifiedError {
  const ours = classifyError(injected);
  const theirs = classifyError(real);
  expect(fields(ours)).toEqual(fields(theirs));
  expect(ours.injected).toBe(true);
  expect(theirs).not.toHaveProperty('injected');
  expect(shape(injected)).toEqual(shape(real));
  expect((injected as Error).message).toContain(INJECTED_NOTE.trim());
  return ours;
}

const requestHeaders = (provider: ChaosProvider, extra: Record<string, string> = {}) =>
  new Headers({
    'content-type': 'application/json',
    [provider === 'openai' ? 'x-request-id' : 'request-id']: 'req_8f2e1c',
    ...extra,
  });

/** A real HTTP error as the SDK builds it from a response: `APIError.generate(status, body, message, headers)`. */
function realHttpError(
  provider: ChaosProvider,
  status: number,
  error: Record<string, unknown>,
  headers = requestHeaders(provider),
): unknown {
  return provider === 'openai'
    ? OpenAI.APIError.generate(status, { error }, undefined, headers)
    : Anthropic.APIError.generate(
        status,
        { type: 'error', error, request_id: 'req_011' },
        undefined,
        headers,
      );
}

/** The body of each HTTP fault as each API returns it (real texts, not ours). */
const REAL_BODIES: Record<string, Record<ChaosProvider, [number, Record<string, unknown>]>> = {
  quota_exceeded: {
    openai: [
      429,
      {
        message:
          'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
        type: 'insufficient_quota',
        param: null,
        code: 'insufficient_quota',
      },
    ],
    anthropic: [402, { type: 'billing_error', message: 'Your credit balance is too low to access the API.' }],
  },
  overloaded: {
    openai: [
      503,
      {
        message: 'The server is overloaded or not ready yet.',
        type: 'server_error',
        param: null,
        code: null,
      },
    ],
    anthropic: [529, { type: 'overloaded_error', message: 'Overloaded' }],
  },
  server_error: {
    openai: [
      500,
      {
        message:
          'The server had an error processing your request. Sorry about that! You can retry your request.',
        type: 'server_error',
        param: null,
        code: null,
      },
    ],
    anthropic: [500, { type: 'api_error', message: 'Internal server error' }],
  },
  context_length_exceeded: {
    openai: [
      400,
      {
        message:
          "This model's maximum context length is 16385 tokens. However, your messages resulted in 17042 tokens. Please reduce the length of the messages.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
      },
    ],
    anthropic: [
      400,
      { type: 'invalid_request_error', message: 'prompt is too long: 215233 tokens > 200000 maximum' },
    ],
  },
  content_filtered: {
    openai: [
      400,
      {
        message:
          'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.',
        type: 'invalid_request_error',
        param: null,
        code: 'content_policy_violation',
      },
    ],
    anthropic: [
      400,
      { type: 'invalid_request_error', message: 'Output blocked by content filtering policy' },
    ],
  },
};

describe.each(PROVIDERS)('injected %s errors are classified as the real ones', provider => {
  it('rate_limited: a 429 whose Retry-After is retryAfterMs', () => {
    const body =
      provider === 'openai'
        ? {
            message:
              'Rate limit reached for gpt-4o-mini in organization org-abc on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.',
            type: 'requests',
            param: null,
            code: 'rate_limit_exceeded',
          }
        : {
            type: 'rate_limit_error',
            message: 'Number of request tokens has exceeded your per-minute rate limit.',
          };
    const retry = { 'retry-after-ms': '1500', 'retry-after': '2' };
    const real = realHttpError(provider, 429, body, requestHeaders(provider, retry));
    const injected = providerError('rate_limited', provider, 1500);
    expect(expectLikeReal(injected, real)).toMatchObject({ category: 'rate_limited', retryAfterMs: 1500 });
    expect((injected as unknown as { headers: Headers }).headers.get('retry-after')).toBe('2');
  });

  it.each(Object.keys(REAL_BODIES))('%s', fault => {
    const [status, body] = REAL_BODIES[fault]![provider];
    const ours = expectLikeReal(
      providerError(fault as never, provider, undefined),
      realHttpError(provider, status, body),
    );
    expect(ours.category).toBe(fault);
  });

  it('timeout: APIConnectionTimeoutError', () => {
    const real =
      provider === 'openai'
        ? new OpenAI.APIConnectionTimeoutError()
        : new Anthropic.APIConnectionTimeoutError();
    expect(expectLikeReal(providerError('timeout', provider, undefined), real).category).toBe('timeout');
  });
});

describe('injected errors', () => {
  it('each have a body of their own', () => {
    const first = providerError('server_error', 'openai', undefined) as unknown as {
      error: { message: string };
    };
    first.error.message = 'edited by a caller';
    const second = providerError('server_error', 'openai', undefined) as unknown as {
      error: { message: string };
    };
    expect(second.error.message).toContain('The server had an error');
  });

  it('refuse a fault that is not an error fault (a programming error of ours)', () => {
    expect(() => providerError('latency', 'openai', undefined)).toThrow('latency is not an error fault');
  });
});

describe('the faults a real client meets on the wire', () => {
  let server: FakeLlmProvider;
  beforeAll(async () => {
    server = await FakeLlmProvider.start({ chunks: 4 });
  });
  afterAll(() => server.close());

  const clients = {
    openai: () => new OpenAI({ apiKey: 'sk-test-not-a-key', baseURL: server.openaiBaseURL, maxRetries: 0 }),
    anthropic: () =>
      new Anthropic({ apiKey: 'sk-ant-test-not-a-key', baseURL: server.anthropicBaseURL, maxRetries: 0 }),
  };
  const call = (provider: ChaosProvider, stream: boolean) =>
    provider === 'openai'
      ? clients
          .openai()
          .chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream })
      : clients.anthropic().messages.create({
          model: 'claude-sonnet',
          max_tokens: 16,
          messages: [{ role: 'user', content: 'hi' }],
          stream,
        });
  /** What the real client throws, calling (and reading the stream of) the scripted provider. */
  async function thrown(provider: ChaosProvider, stream: boolean): Promise<unknown> {
    try {
      const result = await call(provider, stream);
      if (stream) for await (const _chunk of result as AsyncIterable<unknown>);
    } catch (error) {
      return error;
    }
    throw new Error('the client did not throw');
  }

  it.each(PROVIDERS)('network: %s APIConnectionError of a reset connection (ECONNRESET)', async provider => {
    server.script(faults.reset());
    const ours = expectLikeReal(providerError('network', provider, undefined), await thrown(provider, false));
    expect(ours).toMatchObject({ category: 'network', errorType: 'APIConnectionError', code: 'ECONNRESET' });
  });

  it.each(PROVIDERS)('stream_error: the %s error frame inside an HTTP 200 stream', async provider => {
    server.script(faults.errorFrame(1));
    const ours = expectLikeReal(streamErrorFrame(provider), await thrown(provider, true));
    expect(ours.category).toBe(provider === 'openai' ? 'server_error' : 'overloaded');
  });

  it.each(PROVIDERS)('stream_drop: undici "terminated" under the %s client', async provider => {
    server.script(faults.drop(1));
    const real = await thrown(provider, true);
    const injected = streamDropError();
    expect(fields(classifyError(injected))).toEqual(fields(classifyError(real)));
    expect(classifyError(injected)).toMatchObject({ category: 'network', injected: true });
    expect(shape(injected)).toEqual(shape(real));
    const cause = (e: unknown) => (e as { cause: Record<string, unknown> }).cause;
    expect([cause(injected).name, cause(injected).code]).toEqual([cause(real).name, cause(real).code]);
  });
});
