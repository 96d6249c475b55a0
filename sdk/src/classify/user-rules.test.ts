import { diag } from '@opentelemetry/api';
import { describe, expect, it, vi } from 'vitest';
import { createClassifier } from './classifier.js';
import * as anthropic from './test-support/anthropic.js';
import * as openai from './test-support/openai.js';
import { fetchFailed, systemError } from './test-support/undici.js';
import type { ClassificationRule } from './types.js';

class ToolInputError extends Error {
  override name = 'ToolInputError';
}
class StrictToolInputError extends ToolInputError {}

const classifyWith = (...rules: ClassificationRule[]) => createClassifier({ rules });

describe('user rules: matchers', () => {
  it.each<[string, ClassificationRule, unknown, boolean]>([
    [
      'errorClass constructor (instanceof)',
      { errorClass: ToolInputError, category: 'validation' },
      new StrictToolInputError('x'),
      true,
    ],
    [
      'errorClass constructor, other class',
      { errorClass: ToolInputError, category: 'validation' },
      new Error('x'),
      false,
    ],
    [
      'errorClass name along the prototype chain',
      { errorClass: 'APIError', category: 'validation' },
      openai.APIError.generate(500, undefined),
      true,
    ],
    [
      'errorClass name via `name`',
      { errorClass: 'ToolInputError', category: 'validation' },
      new StrictToolInputError('x'),
      true,
    ],
    [
      'status number',
      { status: 500, category: 'validation' },
      openai.APIError.generate(500, undefined),
      true,
    ],
    [
      'status number, other status',
      { status: 501, category: 'validation' },
      openai.APIError.generate(500, undefined),
      false,
    ],
    [
      'status list',
      { status: [502, 503], category: 'validation' },
      openai.APIError.generate(503, undefined),
      true,
    ],
    [
      'status range',
      { status: { min: 500, max: 599 }, category: 'validation' },
      anthropic.APIError.generate(529, 'overloaded_error', 'x'),
      true,
    ],
    [
      'status range, outside',
      { status: { min: 500, max: 528 }, category: 'validation' },
      anthropic.APIError.generate(529, 'overloaded_error', 'x'),
      false,
    ],
    [
      'status from a message',
      { status: 503, category: 'validation' },
      new Error('Request failed with status code 503'),
      true,
    ],
    ['code (own)', { code: 'ECONNRESET', category: 'validation' }, systemError('ECONNRESET'), true],
    [
      'code (body type)',
      { code: 'overloaded_error', category: 'validation' },
      anthropic.APIError.generate(529, 'overloaded_error', 'x'),
      true,
    ],
    [
      'code (cause.code)',
      { code: ['EAI_AGAIN', 'ECONNREFUSED'], category: 'validation' },
      fetchFailed(systemError('ECONNREFUSED')),
      true,
    ],
    [
      'code, absent',
      { code: 'EPIPE', category: 'validation' },
      fetchFailed(systemError('ECONNREFUSED')),
      false,
    ],
    [
      'message RegExp',
      { message: /deployment .* not ready/, category: 'validation' },
      new Error('deployment gpt-x not ready'),
      true,
    ],
    [
      'message substring, case-insensitive',
      { message: 'NOT READY', category: 'validation' },
      new Error('deployment not ready'),
      true,
    ],
    [
      'message sees the unredacted text',
      { message: 'sk-proj-', category: 'validation' },
      new Error('bad key sk-proj-abcdefghijklmnop'),
      true,
    ],
    [
      'test predicate',
      { test: e => (e as { tool?: string }).tool === 'search', category: 'validation' },
      Object.assign(new Error('x'), { tool: 'search' }),
      true,
    ],
    [
      'every matcher must match',
      { status: 500, message: 'nope', category: 'validation' },
      openai.APIError.generate(500, { error: { message: 'boom' } }),
      false,
    ],
  ])('%s', (_label, rule, error, matches) => {
    expect(classifyWith(rule)(error).category === 'validation').toBe(matches);
  });

  it('a global or sticky RegExp matches every time', () => {
    const classify = classifyWith({ message: /quota/g, category: 'validation' });
    expect(classify(new Error('quota')).category).toBe('validation');
    expect(classify(new Error('quota')).category).toBe('validation');
  });
});

describe('user rules: outcome', () => {
  it('run before the built-in rules, first match wins', () => {
    const classify = classifyWith(
      { status: 429, category: 'overloaded', name: 'first' },
      { status: 429, category: 'quota_exceeded', name: 'second' },
    );
    expect(classify(openai.APIError.generate(429, undefined)).category).toBe('overloaded');
  });

  it('set severity, retryable, errorType and userMessage; the rest from the category and the error', () => {
    const classify = classifyWith({
      status: 429,
      category: 'rate_limited',
      severity: 'high',
      retryable: false,
      errorType: 'tenant_throttle',
      userMessage: 'Your team is over its limit.',
    });
    const error = openai.APIError.generate(429, undefined, { 'retry-after': '2', 'x-should-retry': 'true' });
    expect(classify(error)).toMatchObject({
      category: 'rate_limited',
      severity: 'high',
      retryable: false,
      errorType: 'tenant_throttle',
      userMessage: 'Your team is over its limit.',
      statusCode: 429,
      retryAfterMs: 2000,
      cause: error,
    });
  });

  it('take unset fields from the (overridden) category defaults', () => {
    const classify = createClassifier({
      rules: [{ errorClass: ToolInputError, category: 'validation' }],
      defaults: { validation: { userMessage: 'Bad input.' } },
    });
    expect(classify(new ToolInputError('x'))).toMatchObject({
      severity: 'low',
      retryable: false,
      errorType: 'ToolInputError',
      userMessage: 'Bad input.',
    });
  });

  it('also apply to nested causes when the outer error says nothing', () => {
    const classify = classifyWith({ errorClass: ToolInputError, category: 'validation' });
    expect(classify(new Error('step failed', { cause: new ToolInputError('x') })).category).toBe(
      'validation',
    );
  });

  it('a throwing test does not match and is reported through diag', () => {
    const report = vi.spyOn(diag, 'error').mockImplementation(() => {});
    const classify = classifyWith({
      name: 'flaky',
      test: () => {
        throw new Error('predicate bug');
      },
      category: 'validation',
    });
    expect(classify(systemError('ECONNRESET')).category).toBe('network');
    expect(report).toHaveBeenCalledWith(
      'agent-resilience: classification rule rules[0]("flaky") test failed',
      expect.any(Error),
    );
  });

  it('a test returning a truthy non-boolean does not match', () => {
    const classify = classifyWith({
      test: (() => 'yes') as unknown as () => boolean,
      category: 'validation',
    });
    expect(classify(new Error('x')).category).toBe('unknown');
  });
});
