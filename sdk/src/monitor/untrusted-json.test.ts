import { describe, expect, it } from 'vitest';
import { untrustedJsonProblem } from './untrusted-json.js';

const nested = (levels: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
};

describe('untrustedJsonProblem', () => {
  it.each([
    ['a primitive', 'text'],
    ['null', null],
    ['an empty object', {}],
    [
      'settings',
      { enabled: true, faults: [{ fault: 'latency', rate: 0.1, latencyMs: { p50Ms: 1, p99Ms: 9 } }] },
    ],
    ['keys that only look like prototype keys', { proto: 1, __proto: 2, Constructor: 3, prototypes: 4 }],
  ])('passes %s', (_, value) => {
    expect(untrustedJsonProblem(value, 4)).toBeUndefined();
  });

  it('counts the value itself as level 1: maxDepth levels pass, one more does not', () => {
    expect(untrustedJsonProblem(nested(4), 4)).toBeUndefined();
    expect(untrustedJsonProblem(nested(5), 4)).toBe('nest deeper than 4 levels');
  });

  it('stops at the limit: a value nested far beyond it (no stack, no walk) is refused', () => {
    expect(untrustedJsonProblem(JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`), 8)).toBe(
      'nest deeper than 8 levels',
    );
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'refuses the key %s at any depth, as JSON.parse keeps it',
    key => {
      const inner = JSON.parse(`{"${key}":{"polluted":true}}`);
      expect(untrustedJsonProblem(inner, 8)).toBe(`must not use the key "${key}"`);
      expect(untrustedJsonProblem({ faults: [{ scope: inner }] }, 8)).toBe(`must not use the key "${key}"`);
    },
  );
});
