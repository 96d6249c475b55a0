import { describe, expect, it } from 'vitest';
import { LruMap } from './lru.js';
import { SlidingWindowPermits, TokenBucketPermits } from './permits.js';

describe('token bucket permits', () => {
  it('allows a burst, then one permit per limit/interval, and says when the next frees', () => {
    const bucket = new TokenBucketPermits(2, 1_000, 3, 0);
    for (let i = 0; i < 3; i++) expect(bucket.acquire(0, 0)).toBe(0);
    expect(bucket.acquire(0, 0)).toBe(-1);
    expect(bucket.nextFreeIn(0)).toBe(500);
    expect(bucket.acquire(499, 0)).toBe(-1);
    expect(bucket.acquire(500, 0)).toBe(0);
    expect(bucket.available(10_000)).toBe(3);
    expect(bucket.idle(10_000)).toBe(true);
  });

  it('reserves ahead within maxWaitMs, in order, and takes a released reservation back', () => {
    const bucket = new TokenBucketPermits(1, 100, 1, 0);
    expect(bucket.acquire(0, 1_000)).toBe(0);
    expect(bucket.acquire(0, 1_000)).toBe(100);
    expect(bucket.acquire(0, 1_000)).toBe(200);
    expect(bucket.acquire(0, 250)).toBe(-1);
    bucket.release(0);
    expect(bucket.acquire(0, 1_000)).toBe(200);
  });
});

describe('sliding window permits', () => {
  it('allows exactly limit in any interval and frees a permit when the oldest grant is interval old', () => {
    const window = new SlidingWindowPermits(3, 1_000);
    expect(window.acquire(0, 0)).toBe(0);
    expect(window.acquire(400, 0)).toBe(0);
    expect(window.acquire(900, 0)).toBe(0);
    expect(window.acquire(950, 0)).toBe(-1);
    expect(window.nextFreeIn(950)).toBe(50);
    expect(window.available(950)).toBe(0);
    expect(window.acquire(1_000, 0)).toBe(0);
    expect(window.nextFreeIn(1_000)).toBe(400);
    expect(window.idle(1_899)).toBe(false);
    expect(window.idle(2_000)).toBe(true);
    expect(window.available(2_000)).toBe(3);
  });

  it('reserves the future slot when waiting is allowed', () => {
    const window = new SlidingWindowPermits(1, 1_000);
    expect(window.acquire(0, 5_000)).toBe(0);
    expect(window.acquire(10, 5_000)).toBe(990);
    expect(window.acquire(20, 5_000)).toBe(1_980);
    expect(window.acquire(20, 1_000)).toBe(-1);
  });
});

describe('LRU map', () => {
  it('keeps at most max entries, evicting the least recently used', () => {
    const lru = new LruMap<number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1);
    lru.set('c', 3);
    expect([...lru.keys()]).toEqual(['a', 'c']);
    expect(lru.evictions).toBe(1);
    expect(lru.size).toBe(2);
  });
});
