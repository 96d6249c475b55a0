import { describe, expect, it } from 'vitest';
import { deriveErrorType, meaningfulName, sanitizeErrorType } from './error-type.js';
import { readFacts } from './facts.js';

describe('sanitizeErrorType', () => {
  it.each([
    ['RateLimitError', 'RateLimitError'],
    ['AI_APICallError', 'AI_APICallError'],
    ['my error/type', 'my_error_type'],
    ['x'.repeat(80), 'x'.repeat(64)],
    ['', '_OTHER'],
    ['line\nbreak', 'line_break'],
  ])('%j → %j', (raw, clean) => {
    expect(sanitizeErrorType(raw)).toBe(clean);
  });
});

describe('meaningfulName', () => {
  it('skips generic and minified names', () => {
    class e extends Error {}
    expect(meaningfulName(readFacts(new e('x')))).toBeUndefined();
    expect(meaningfulName(readFacts(new TypeError('x')))).toBeUndefined();
    expect(meaningfulName(readFacts(new DOMException('x', 'AbortError')))).toBe('AbortError');
  });
});

describe('deriveErrorType', () => {
  it('never uses the message', () => {
    const facts = readFacts(new Error('user 1234 not found'));
    expect(deriveErrorType(facts, facts)).toBe('Error');
  });

  it('ignores free-text codes', () => {
    const facts = readFacts(Object.assign(new Error('x'), { code: 'request 42 failed badly' }));
    expect(deriveErrorType(facts, facts)).toBe('Error');
  });

  it('prefers the thrown class, then the deciding cause, then codes and statuses', () => {
    const cause = readFacts(Object.assign(new Error('c'), { code: 'ECONNRESET' }));
    expect(deriveErrorType(readFacts(new TypeError('fetch failed')), cause)).toBe('ECONNRESET');
    class WrapperError extends Error {}
    expect(deriveErrorType(readFacts(new WrapperError('w')), cause)).toBe('WrapperError');
    const status = readFacts({ status: 503 });
    expect(deriveErrorType(status, status)).toBe('503');
    const other = readFacts('x');
    expect(deriveErrorType(other, other)).toBe('_OTHER');
  });
});
