import { describe, expect, it } from 'vitest';
import { createClassifier } from './classifier.js';
import { CLASSIFY_DEFAULTS } from './defaults.js';
import { resolveClassifierOptions } from './options.js';
import { CATEGORY_DEFAULTS } from './taxonomy.js';

const fails = (options: unknown) => () => createClassifier(options as never);

describe('createClassifier validation', () => {
  it.each<[string, unknown, ErrorConstructor, string]>([
    ['options not an object', 'x', TypeError, 'options must be an object, got "x"'],
    [
      'unknown option',
      { rulez: [] },
      RangeError,
      'rulez is not a known option (known: rules, defaults, retryAfterCapMs)',
    ],
    [
      'rules not an array',
      { rules: {} },
      TypeError,
      'rules must be an array of rules, got an object (Object)',
    ],
    ['rule not an object', { rules: [42] }, TypeError, 'rules[0] must be an object, got 42'],
    [
      'unknown category',
      { rules: [{ status: 500, category: 'exploded' }] },
      RangeError,
      'rules[0].category must be one of "rate_limited",',
    ],
    [
      'missing category',
      { rules: [{ status: 500 }] },
      TypeError,
      'rules[0].category must be one of "rate_limited",',
    ],
    [
      'rule without a matcher',
      { rules: [{ name: 'empty', category: 'timeout' }] },
      TypeError,
      'rules[0]("empty") must be a rule with at least one matcher (errorClass, status, code, message, test)',
    ],
    [
      'unknown rule key',
      { rules: [{ status: 500, category: 'timeout', statuss: 1 }] },
      RangeError,
      'rules[0].statuss is not a known option',
    ],
    [
      'status out of range',
      { rules: [{ status: 600, category: 'timeout' }] },
      RangeError,
      'rules[0].status must be an integer in [100, 599], got 600',
    ],
    [
      'status not an integer',
      { rules: [{ status: 429.5, category: 'timeout' }] },
      RangeError,
      'rules[0].status must be an integer in [100, 599], got 429.5',
    ],
    [
      'status list entry',
      { rules: [{ status: [500, '502'], category: 'timeout' }] },
      TypeError,
      'rules[0].status[1] must be an integer in [100, 599], got "502"',
    ],
    [
      'empty status list',
      { rules: [{ status: [], category: 'timeout' }] },
      RangeError,
      'rules[0].status must be a non-empty list of HTTP statuses',
    ],
    [
      'inverted status range',
      { rules: [{ status: { min: 599, max: 500 }, category: 'timeout' }] },
      RangeError,
      'rules[0].status must be a range with min <= max, got "599..500"',
    ],
    [
      'status range missing max',
      { rules: [{ status: { min: 500 }, category: 'timeout' }] },
      TypeError,
      'rules[0].status.max must be an integer in [100, 599], got undefined',
    ],
    [
      'status of a wrong type',
      { rules: [{ status: '500', category: 'timeout' }] },
      TypeError,
      'rules[0].status must be an HTTP status, a list of statuses or { min, max }, got "500"',
    ],
    [
      'message not RegExp or string',
      { rules: [{ message: 42, category: 'timeout' }] },
      TypeError,
      'rules[0].message must be a RegExp or a non-empty string, got 42',
    ],
    [
      'empty message',
      { rules: [{ message: '', category: 'timeout' }] },
      TypeError,
      'rules[0].message must be a RegExp or a non-empty string, got ""',
    ],
    [
      'code list with a blank',
      { rules: [{ code: ['A', ''], category: 'timeout' }] },
      TypeError,
      'rules[0].code[1] must be a non-empty string, got ""',
    ],
    [
      'code of a wrong type',
      { rules: [{ code: 5, category: 'timeout' }] },
      TypeError,
      'rules[0].code must be a non-empty string or a non-empty list of them, got 5',
    ],
    [
      'errorClass of a wrong type',
      { rules: [{ errorClass: {}, category: 'timeout' }] },
      TypeError,
      'rules[0].errorClass must be a class or a non-empty class name',
    ],
    [
      'test not a function',
      { rules: [{ test: true, category: 'timeout' }] },
      TypeError,
      'rules[0].test must be a function, got true',
    ],
    [
      'unknown severity',
      { rules: [{ status: 500, category: 'timeout', severity: 'fatal' }] },
      RangeError,
      'rules[0].severity must be one of "low", "medium", "high", "critical", got "fatal"',
    ],
    [
      'retryable not boolean',
      { rules: [{ status: 500, category: 'timeout', retryable: 'yes' }] },
      TypeError,
      'rules[0].retryable must be a boolean, got "yes"',
    ],
    [
      'high-cardinality errorType',
      { rules: [{ status: 500, category: 'timeout', errorType: 'user 42 failed' }] },
      RangeError,
      'rules[0].errorType must be a string of 1-64 characters from [A-Za-z0-9_.:-], got "user 42 failed"',
    ],
    [
      'empty userMessage',
      { rules: [{ status: 500, category: 'timeout', userMessage: '' }] },
      TypeError,
      'rules[0].userMessage must be a non-empty string, got ""',
    ],
    [
      'defaults: unknown category',
      { defaults: { exploded: {} } },
      RangeError,
      'defaults.exploded is not a known option',
    ],
    [
      'defaults: unknown key',
      { defaults: { timeout: { retry: true } } },
      RangeError,
      'defaults.timeout.retry is not a known option (known: severity, retryable, userMessage)',
    ],
    [
      'defaults: bad severity',
      { defaults: { timeout: { severity: 'x' } } },
      RangeError,
      'defaults.timeout.severity must be one of',
    ],
    [
      'defaults: bad retryable',
      { defaults: { unknown: { retryable: 1 } } },
      TypeError,
      'defaults.unknown.retryable must be a boolean, got 1',
    ],
    [
      'defaults: bad userMessage',
      { defaults: { unknown: { userMessage: 7 } } },
      TypeError,
      'defaults.unknown.userMessage must be a non-empty string, got 7',
    ],
    [
      'negative cap',
      { retryAfterCapMs: -1 },
      RangeError,
      'retryAfterCapMs must be a number in [0, 2147483647], got -1',
    ],
    [
      'NaN cap',
      { retryAfterCapMs: Number.NaN },
      RangeError,
      'retryAfterCapMs must be a number in [0, 2147483647], got NaN',
    ],
  ])('%s', (_label, options, type, message) => {
    expect(fails(options)).toThrow(type);
    expect(fails(options)).toThrow(message);
  });

  it('reports every problem at once, prefixed with the subject', () => {
    expect(fails({ rules: [{ category: 'x' }], retryAfterCapMs: -1 })).toThrow(
      /^Invalid options for createClassifier: rules\[0\]\.category must be one of .*; rules\[0\] must be a rule with at least one matcher .*; retryAfterCapMs must be a number in \[0, 2147483647\]/,
    );
  });

  it('accepts every documented form', () => {
    class MyError extends Error {}
    expect(() =>
      createClassifier({
        rules: [
          { name: 'a', errorClass: MyError, category: 'validation' },
          { errorClass: 'MyError', status: [400, 422], code: ['x', 'y'], category: 'validation' },
          { status: { min: 500, max: 599 }, message: /x/, test: () => true, category: 'server_error' },
          {
            code: 'z',
            message: 'needle',
            category: 'unknown',
            severity: 'low',
            retryable: false,
            errorType: 'my.type:1',
            userMessage: 'Hi',
          },
        ],
        defaults: { unknown: { retryable: false, severity: 'high', userMessage: 'Oops' } },
        retryAfterCapMs: 2 ** 31 - 1,
      }),
    ).not.toThrow();
  });
});

describe('resolveClassifierOptions', () => {
  it('defaults everything', () => {
    const resolved = resolveClassifierOptions();
    expect(resolved.rules).toEqual([]);
    expect(resolved.defaults).toEqual(CATEGORY_DEFAULTS);
    expect(resolved.retryAfterCapMs).toBe(CLASSIFY_DEFAULTS.retryAfterCapMs);
  });

  it('merges category overrides without touching the frozen table', () => {
    const resolved = resolveClassifierOptions({ defaults: { unknown: { retryable: false } } });
    expect(resolved.defaults.unknown).toEqual({ ...CATEGORY_DEFAULTS.unknown, retryable: false });
    expect(CATEGORY_DEFAULTS.unknown.retryable).toBe(true);
  });
});
