import { describe, expect, it } from 'vitest';
import { CLASSIFY_DEFAULTS } from './defaults.js';
import { classifierHeader, getHeader, isHeaderSource } from './headers.js';

describe('getHeader', () => {
  it.each([
    ['a WHATWG Headers', new Headers({ 'Retry-After': '20' })],
    ['a Map with mixed-case keys', new Map([['Retry-After', '20']])],
    ['a Map with lower-case keys', new Map([['retry-after', '20']])],
    ['a plain object (Vercel responseHeaders)', { 'retry-after': '20' }],
    ['a plain object with mixed-case keys', { 'Retry-After': '20' }],
    ['an IncomingHttpHeaders array value', { 'retry-after': ['20', '30'] }],
    ['a numeric value', { 'retry-after': 20 }],
    [
      'an object with get() (AxiosHeaders)',
      { get: (name: string) => (name === 'retry-after' ? '20' : undefined) },
    ],
    ['a padded value', { 'retry-after': '  20 ' }],
  ])('reads case-insensitively from %s', (_label, headers) => {
    expect(getHeader(headers, 'RETRY-AFTER')).toBe('20');
  });

  it.each([
    ['absent', new Headers()],
    ['empty', { 'retry-after': '' }],
    ['null', null],
    ['a string', 'retry-after: 20'],
    ['an array', [['retry-after', '20']]],
    ['an object value', { 'retry-after': { seconds: 20 } }],
  ])('returns undefined when %s', (_label, headers) => {
    expect(getHeader(headers, 'retry-after')).toBeUndefined();
  });

  it('never lets a throwing getter escape', () => {
    const hostile = {
      get(): never {
        throw new Error('boom');
      },
    };
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('boom');
        },
      },
    );
    expect(getHeader(hostile, 'retry-after')).toBeUndefined();
    expect(getHeader(proxy, 'retry-after')).toBeUndefined();
  });

  it('recognises header sources', () => {
    expect(isHeaderSource(new Headers())).toBe(true);
    expect(isHeaderSource({})).toBe(true);
    expect(isHeaderSource([])).toBe(false);
    expect(isHeaderSource('x')).toBe(false);
  });
});

describe('classifierHeader', () => {
  const long = '1'.repeat(CLASSIFY_DEFAULTS.maxHeaderLength + 1);

  it('reads a header like getHeader, but a value longer than maxHeaderLength counts as absent', () => {
    expect(classifierHeader(new Headers({ 'Retry-After': '20' }), 'retry-after')).toBe('20');
    expect(classifierHeader({ 'retry-after': long }, 'retry-after')).toBeUndefined();
    expect(classifierHeader({ 'retry-after': [long, '2'] }, 'retry-after')).toBeUndefined();
    expect(getHeader({ 'retry-after': long }, 'retry-after')).toBe(long);
  });
});
