import { describe, expect, it } from 'vitest';
import { asStatus, bodiesOf, messageOf, namesOf, prop, readFacts } from './facts.js';
import * as anthropic from './test-support/anthropic.js';
import * as openai from './test-support/openai.js';
import { APICallError } from './test-support/vercel.js';

describe('readFacts', () => {
  it('reads an OpenAI APIError', () => {
    const error = openai.APIError.generate(
      429,
      {
        error: {
          message: 'You exceeded your current quota',
          type: 'insufficient_quota',
          code: 'insufficient_quota',
        },
      },
      { 'retry-after': '1' },
    );
    const facts = readFacts(error);
    expect(facts).toMatchObject({
      isError: true,
      names: ['Error', 'RateLimitError', 'APIError', 'OpenAIError'],
      message: '429 You exceeded your current quota',
      fieldStatus: 429,
      status: 429,
      codes: ['insufficient_quota'],
      children: [],
    });
    expect(facts.headers).toBeInstanceOf(Headers);
  });

  it('reads an Anthropic APIError: the body type, not the envelope type', () => {
    const facts = readFacts(anthropic.APIError.generate(529, 'overloaded_error', 'Overloaded'));
    expect(facts.codes).toEqual(['overloaded_error']);
    expect(facts.texts).toContain('Overloaded');
    expect(facts.names[1]).toBe('OverloadedError');
  });

  it('parses a Vercel responseBody and reads responseHeaders', () => {
    const facts = readFacts(
      new APICallError({
        message: 'Bad Request',
        statusCode: 400,
        responseHeaders: { 'x-request-id': '1' },
        responseBody: '{"error":{"message":"context_length","code":"context_length_exceeded"}}',
      }),
    );
    expect(facts).toMatchObject({ status: 400, codes: ['context_length_exceeded'] });
    expect(facts.texts).toEqual(['Bad Request', 'context_length']);
    expect(facts.headers).toEqual({ 'x-request-id': '1' });
  });

  it('reads axios response.status, response.headers and response.data', () => {
    const facts = readFacts({
      response: { status: 503, headers: { 'retry-after': '1' }, data: { code: 'busy' } },
    });
    expect(facts).toMatchObject({ fieldStatus: 503, headers: { 'retry-after': '1' }, codes: ['busy'] });
  });

  it('takes a status from the message only when no field has one', () => {
    expect(readFacts(new Error('HTTP 502 Bad Gateway'))).toMatchObject({
      fieldStatus: undefined,
      status: 502,
    });
    expect(readFacts(Object.assign(new Error('HTTP 502'), { status: 500 }))).toMatchObject({ status: 500 });
  });

  it('reads a Google body status as a code and its numeric code as a status', () => {
    const facts = readFacts({
      error: { code: 429, message: 'Resource exhausted', status: 'RESOURCE_EXHAUSTED' },
    });
    expect(facts).toMatchObject({ fieldStatus: 429, codes: ['RESOURCE_EXHAUSTED'] });
  });

  it('lists cause, AggregateError.errors and an Error-valued `error` as children', () => {
    const cause = new Error('c');
    const inner = new Error('i');
    expect(readFacts(new Error('x', { cause })).children).toEqual([cause]);
    expect(readFacts(new AggregateError([cause, inner])).children).toEqual([cause, inner]);
    expect(readFacts({ error: inner }).children).toEqual([inner]);
    expect(readFacts(new AggregateError(Array.from({ length: 50 }, () => cause))).children).toHaveLength(10);
  });

  it('ignores snake-less `type` values (Response.type, OpenAI "tokens")', () => {
    expect(readFacts(new Response(null, { status: 503 })).codes).toEqual([]);
    expect(readFacts({ error: { type: 'tokens', code: 'rate_limit_exceeded' } }).codes).toEqual([
      'rate_limit_exceeded',
    ]);
  });
});

describe('helpers', () => {
  it('prop never throws', () => {
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('x');
        },
      },
    );
    expect(prop(hostile, 'a')).toBeUndefined();
    expect(prop(null, 'a')).toBeUndefined();
    expect(prop('str', 'length')).toBeUndefined();
  });

  it('asStatus accepts 100-599 integers and 3-digit strings', () => {
    expect([
      asStatus(429),
      asStatus('503'),
      asStatus(99),
      asStatus(600),
      asStatus(429.5),
      asStatus('4290'),
      asStatus(null),
    ]).toEqual([429, 503, undefined, undefined, undefined, undefined, undefined]);
  });

  it('namesOf lists name then constructor names, unique', () => {
    expect(namesOf(new DOMException('x', 'TimeoutError'))).toEqual(['TimeoutError', 'DOMException', 'Error']);
    expect(namesOf({})).toEqual([]);
    expect(namesOf(function named() {})).toEqual([]);
  });

  it('messageOf handles every kind of value', () => {
    expect(messageOf(new Error('m'))).toBe('m');
    expect(messageOf('s')).toBe('s');
    expect(messageOf(1)).toBe('1');
    expect(messageOf({ status: 503, statusText: 'Service Unavailable' })).toBe(
      'HTTP 503 Service Unavailable',
    );
    expect(messageOf({ error: { message: 'inner' } })).toBe('inner');
    expect(messageOf({ message: 42 })).toBe('42');
    expect(messageOf(new Error(''))).toBe('');
  });

  it('bodiesOf skips oversized and invalid JSON bodies', () => {
    expect(bodiesOf({ responseBody: 'not json' })).toEqual([{ responseBody: 'not json' }]);
    expect(bodiesOf({ responseBody: `{"a":"${'x'.repeat(70_000)}"}` })).toHaveLength(1);
    expect(bodiesOf(new Error('x'))).toEqual([]);
  });
});
