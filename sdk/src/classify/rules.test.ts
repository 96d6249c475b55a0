import { describe, expect, it } from 'vitest';
import type { ErrorCategory } from '../semconv.js';
import { readFacts } from './facts.js';
import { REFINABLE } from './internal-types.js';
import { BUILT_IN_RULES, builtInVerdict } from './rules.js';

const verdict = (value: unknown) => builtInVerdict(readFacts(value));

describe('built-in rule precedence', () => {
  it.each<[string, unknown, ErrorCategory | undefined]>([
    [
      'a specific code beats the status (429 insufficient_quota)',
      { status: 429, code: 'insufficient_quota' },
      'quota_exceeded',
    ],
    ['a message refines the status (503 overloaded)', { status: 503, message: 'overloaded' }, 'overloaded'],
    [
      'a message cannot contradict an unrelated status (500 "context length")',
      { status: 500, message: 'context length' },
      'server_error',
    ],
    [
      'the status beats the class name',
      Object.assign(new (class RateLimitError extends Error {})('x'), { status: 500 }),
      'server_error',
    ],
    [
      'the class name counts without a status',
      new (class RateLimitError extends Error {})('x'),
      'rate_limited',
    ],
    [
      'a generic code counts only without a status',
      { status: 404, code: 'authentication_error' },
      'not_found',
    ],
    ['a generic code without a status', { code: 'authentication_error' }, 'authentication'],
    [
      'a programming error is not read as prose',
      new TypeError("Cannot read properties of undefined (reading 'timeout')"),
      'programming',
    ],
    ['a system code beats prose', Object.assign(new Error('timed out?'), { code: 'ECONNRESET' }), 'network'],
    ['nothing known', new Error('boom'), undefined],
  ])('%s', (_label, error, category) => {
    expect(verdict(error)?.category).toBe(category);
  });

  it('marks verdicts read from prose as refinable, and those from fields as final', () => {
    expect(verdict(new Error('Request failed with status code 503'))?.yieldTo).toBe(REFINABLE);
    expect(verdict(new Error('rate limit'))?.yieldTo).toBe(REFINABLE);
    expect(verdict(new Error('socket hang up'))?.yieldTo).toBe(REFINABLE);
    expect(verdict({ status: 503, message: 'x' })?.yieldTo).toBeUndefined();
    expect(verdict({ code: 'ETIMEDOUT' })?.yieldTo).toBeUndefined();
  });

  it('never lets a refinable verdict yield to unknown or programming', () => {
    expect(REFINABLE).not.toContain('unknown');
    expect(REFINABLE).not.toContain('programming');
  });

  it('has eleven rules in a fixed order', () => {
    expect(BUILT_IN_RULES).toHaveLength(11);
  });
});
