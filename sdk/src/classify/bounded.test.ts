import { describe, expect, it } from 'vitest';
import { prefix, scanned } from './bounded.js';
import { CLASSIFY_DEFAULTS } from './defaults.js';

describe('prefix', () => {
  it('keeps short text and cuts long text', () => {
    expect(prefix('abc', 5)).toBe('abc');
    expect(prefix('abcdef', 3)).toBe('abc');
  });

  it('never keeps half of a surrogate pair', () => {
    expect(prefix('ab🚀c', 3)).toBe('ab');
    expect(prefix('ab🚀c', 4)).toBe('ab🚀');
  });
});

describe('scanned', () => {
  it('is the first maxScanLength characters', () => {
    const text = 'x'.repeat(CLASSIFY_DEFAULTS.maxScanLength + 10);
    expect(scanned(text)).toHaveLength(CLASSIFY_DEFAULTS.maxScanLength);
    expect(scanned('short')).toBe('short');
  });
});
