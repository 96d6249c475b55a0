import { describe, expect, it } from 'vitest';
import { FallbackCache } from './fallback-cache.js';

describe('FallbackCache', () => {
  it('serves fresh values and forgets expired ones', () => {
    let now = 1_000;
    const cache = new FallbackCache(100, 10, () => now);
    cache.set('q', 'answer');
    expect(cache.get('q')).toEqual({ hit: true, value: 'answer' });
    now += 100;
    expect(cache.get('q')).toEqual({ hit: false });
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used entry beyond maxEntries', () => {
    const cache = new FallbackCache(1_000, 2, () => 0);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a');
    cache.set('c', 3);
    expect(cache.get('b')).toEqual({ hit: false });
    expect(cache.get('a')).toEqual({ hit: true, value: 1 });
    expect(cache.get('c')).toEqual({ hit: true, value: 3 });
    expect(cache.size).toBe(2);
  });

  it('distinguishes a cached undefined from a miss', () => {
    const cache = new FallbackCache(1_000, 2, () => 0);
    cache.set('u', undefined);
    expect(cache.get('u')).toEqual({ hit: true, value: undefined });
  });
});
