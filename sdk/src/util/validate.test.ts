import { describe, expect, it } from 'vitest';
import { describeValue, OptionsValidator, withDefaults } from './validate.js';

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

  it('reports a required value that is missing as undefined (never an invented NaN)', () => {
    const v = new OptionsValidator('x');
    expect(v.number('size', undefined, { min: 1, integer: true, required: true })).toBe(false);
    expect(v.delay('durationMs', undefined, { above: 0, required: true })).toBe(false);
    expect(v.number('optional', undefined, { min: 1 })).toBe(true);
    expect(() => v.done()).toThrow(TypeError);
    expect(() => v.done()).toThrow(
      'x: size must be an integer >= 1, got undefined; durationMs must be a number in (0, 2147483647], got undefined',
    );
  });

  it('names the top-level options object "options" when it has no path', () => {
    const v = new OptionsValidator('x');
    v.object('', null, ['a']);
    expect(() => v.done()).toThrow('Invalid options for x: options must be an object, got null');
  });

  it('checks instances of a class, with null allowed when asked', () => {
    class Registry {}
    const v = new OptionsValidator('x');
    expect(v.instance('registry', new Registry(), Registry, 'a Registry', { nullable: true })).toBe(true);
    expect(v.instance('registry', undefined, Registry, 'a Registry', { nullable: true })).toBe(true);
    expect(v.instance('registry', null, Registry, 'a Registry', { nullable: true })).toBe(true);
    expect(v.ok).toBe(true);
    expect(v.instance('registry', null, Registry, 'a Registry')).toBe(false);
    expect(v.instance('registry', { register() {} }, Registry, 'a Registry', { nullable: true })).toBe(false);
    expect(() => v.done()).toThrow(TypeError);
    expect(() => v.done()).toThrow(
      'registry must be a Registry, got null; registry must be a Registry or null, got an object (Object)',
    );
  });

  it('at(path) records into the same validator, under path', () => {
    const v = new OptionsValidator('createAgent("a")');
    const tools = v.at('tools');
    tools.object('', 'x', ['retry']);
    tools.number('retry.maxRetries', -1, { min: 0 });
    v.at('models').object('', { retries: 1 }, ['retry']);
    v.at('run').at('bulkhead').number('maxConcurrent', 0, { min: 1 });
    expect(tools.ok).toBe(false);
    expect(() => tools.done()).toThrow(TypeError);
    expect(() => v.done()).toThrow(
      'Invalid options for createAgent("a"): tools must be an object, got "x"; tools.retry.maxRetries must be a number >= 0, got -1; models.retries is not a known option (known: retry); run.bulkhead.maxConcurrent must be a number >= 1, got 0',
    );
  });

  it('describes values compactly', () => {
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue([1, 2])).toBe('an array of 2');
    expect(describeValue(new Map())).toBe('an object (Map)');
    expect(describeValue(() => 1)).toBe('a function');
  });
});

describe('withDefaults', () => {
  it('overrides the defaults with the options that are set, keeping a default for an undefined option', () => {
    const defaults = Object.freeze({ maxRetries: 5, jitter: 'none' });
    expect(withDefaults(defaults, { maxRetries: undefined, jitter: 'full' })).toEqual({
      maxRetries: 5,
      jitter: 'full',
    });
    expect(withDefaults(defaults, undefined)).toEqual(defaults);
    expect(withDefaults(defaults, { extra: 1 })).toEqual({ maxRetries: 5, jitter: 'none', extra: 1 });
  });
});
