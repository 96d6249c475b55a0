import { describe, expect, it } from 'vitest';
import { describeValue, OptionsValidator } from './validate.js';

describe('OptionsValidator', () => {
  it('reports every problem at once, naming option, constraint and value', () => {
    const v = new OptionsValidator('createPolicy("llm")');
    v.number('retry.maxRetries', -1, { min: 0, integer: true });
    v.number('timeout.attemptMs', Number.NaN, { above: 0 });
    expect(() => v.done()).toThrow(RangeError);
    expect(() => v.done()).toThrow(
      'Invalid options for createPolicy("llm"): retry.maxRetries must be an integer >= 0, got -1; timeout.attemptMs must be a number > 0, got NaN',
    );
  });

  it('forNamed names the factory and the name in every message and checks the name', () => {
    expect(() => OptionsValidator.forNamed('createPolicy', 'llm.chat').done()).not.toThrow();
    expect(() => OptionsValidator.forNamed('createPolicy', 'has space').done()).toThrow(
      'Invalid options for createPolicy("has space"): name must be a string of 1-64 characters from [A-Za-z0-9_.:-], got "has space"',
    );
    expect(() => OptionsValidator.forNamed('createPolicy', 42).done()).toThrow(TypeError);
    expect(() => OptionsValidator.forNamed('createPolicy', 42).done()).toThrow('createPolicy(…)');
  });

  it('throws a TypeError when any value has the wrong type', () => {
    const v = new OptionsValidator('x');
    v.number('a', 1.5, { integer: true });
    v.number('b', '3', { min: 0 });
    expect(() => v.done()).toThrow(TypeError);
    expect(() => v.done()).toThrow('b must be a number >= 0, got "3"');
  });

  it('accepts Infinity only when allowed', () => {
    const v = new OptionsValidator('x');
    expect(v.number('a', Number.POSITIVE_INFINITY, { min: 0, integer: true, allowInfinity: true })).toBe(
      true,
    );
    expect(v.number('b', Number.POSITIVE_INFINITY, { min: 0 })).toBe(false);
    expect(() => v.done()).toThrow('b must be a number >= 0, got Infinity');
  });

  it('names unknown keys and lists the known ones', () => {
    const v = new OptionsValidator('x');
    v.object('retry', { maxRetries: 1, maxAtempts: 2 }, ['maxRetries', 'backoff']);
    expect(() => v.done()).toThrow('retry.maxAtempts is not a known option (known: maxRetries, backoff)');
  });

  it('validates names against the attribute-safe pattern', () => {
    const v = new OptionsValidator('x');
    expect(v.name('name', 'openai.chat:gpt-4o')).toBe(true);
    expect(v.name('name', 'has space')).toBe(false);
    expect(v.name('name', 'x'.repeat(65))).toBe(false);
    expect(() => v.done()).toThrow(RangeError);
  });

  it('checks closed sets', () => {
    const v = new OptionsValidator('x');
    v.oneOf('jitter', 'fuzzy', ['full', 'equal']);
    expect(() => v.done()).toThrow('jitter must be one of "full", "equal", got "fuzzy"');
  });

  it('describes values compactly', () => {
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue([1, 2])).toBe('an array of 2');
    expect(describeValue(new Map())).toBe('an object (Map)');
    expect(describeValue(() => 1)).toBe('a function');
  });
});
