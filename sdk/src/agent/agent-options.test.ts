/**
 * Issue 8 §2.6, `createAgent` options: every part is validated at construction, naming the option (`tools: 'x'`
 * and `models: 'x'` passed and failed on the first call, `run: 'x'` said "options.0", `retry: null` crashed).
 */
import { describe, expect, it } from 'vitest';
import { createAgent } from './create-agent.js';

const create = (options: object) => () => createAgent('a', { registry: null, ...options }).dispose();

describe('createAgent options', () => {
  it.each([
    ['retry', null, 'retry must be an object or false, got null'],
    ['retry', true, 'retry must be an object or false, got true'],
    ['run', 'x', 'run must be an object, got "x"'],
    ['tools', 'x', 'tools must be an object, got "x"'],
    ['models', 'x', 'models must be an object, got "x"'],
    ['models', null, 'models must be an object, got null'],
  ])('refuses %s: %j with a TypeError naming it', (key, value, message) => {
    const make = create({ [key]: value });
    expect(make).toThrow(TypeError);
    expect(make).toThrow(`Invalid options for createAgent("a"): ${message}`);
  });

  it('validates tool and model policy options at construction, not on the first call', () => {
    expect(create({ tools: { retry: { maxRetries: -1 } } })).toThrow(
      'Invalid options for createAgent("a"): tools.retry.maxRetries must be an integer >= 0 (or Infinity), got -1',
    );
    expect(create({ models: { bulkhead: { maxConcurrent: 0 } } })).toThrow(
      'models.bulkhead.maxConcurrent must be an integer >= 1, got 0',
    );
    expect(create({ tools: { attemptTimeoutMs: 'soon' } })).toThrow(TypeError);
    // the agent sets the classifier and registry of its policies
    expect(create({ models: { classifier: () => undefined } })).toThrow(
      /models\.classifier is not a known option/,
    );
    expect(create({ run: { registry: null } })).toThrow(/run\.registry is not a known option/);
  });

  it('validates run-level retry under the name createAgent and the path retry', () => {
    expect(create({ retry: { maxRetries: -1, initialDelayMs: 'x' } })).toThrow(
      'Invalid options for createAgent("a"): retry.maxRetries must be an integer >= 0 (or Infinity), got -1; retry.initialDelayMs must be a number in [0, 2147483647], got "x"',
    );
    expect(create({ retry: { retryOn: 'server_error' } })).toThrow(
      'retry.retryOn must be an array of error categories, got "server_error"',
    );
  });

  it('refuses run-retry settings that would be silently overridden, saying what to use instead', () => {
    expect(create({ retry: { onRetry: () => {} } })).toThrow(
      'retry.onRetry must be absent (pass onRetrying to agent.run), got a function',
    );
    expect(create({ retry: { categories: { validation: { retryable: true } } } })).toThrow(
      'retry.categories.validation.retryable must be absent (list the category in retry.retryOn), got true',
    );
    expect(create({ run: { retry: {} } })).toThrow(
      'run.retry must be absent (run-level retry is options.retry), got an object (Object)',
    );
  });

  it('refuses a name whose run policy name agent.<name> would be too long', () => {
    expect(() => createAgent('x'.repeat(58), { registry: null }).dispose()).not.toThrow();
    expect(() => createAgent('x'.repeat(59), { registry: null })).toThrow(
      `Invalid options for createAgent("${'x'.repeat(59)}"): name must be a string of 1-58 characters from [A-Za-z0-9_.:-] (the run policy is named agent.<name>), got "${'x'.repeat(59)}"`,
    );
  });

  it('accepts the documented forms', () => {
    expect(create({ retry: false })).not.toThrow();
    expect(create({ retry: {}, run: {}, tools: {}, models: {} })).not.toThrow();
    expect(
      create({
        retry: { maxRetries: 1, retryOn: ['server_error'], shouldRetry: () => true },
        run: { totalTimeoutMs: 1_000, bulkhead: { maxConcurrent: 2 } },
        tools: { retry: { maxRetries: 2 } },
        models: { fallback: { value: 'sorry' } },
      }),
    ).not.toThrow();
  });
});
