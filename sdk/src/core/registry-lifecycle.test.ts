import { describe, expect, it, vi } from 'vitest';
import { createRateLimiter } from '../load/rate-limiter.js';
import { PolicyRegistry, registerUntilDisposed } from './registry.js';

const limiter = (name: string) => createRateLimiter(name, { registry: null, limit: 10 });

describe('registerUntilDisposed', () => {
  it('registers the object and unregisters it when it is disposed', () => {
    const registry = new PolicyRegistry();
    const standalone = limiter('global');
    registerUntilDisposed(registry, 'rateLimiter', standalone);
    expect(registry.list('rateLimiter')).toEqual([standalone]);
    standalone.dispose();
    expect(registry.list('rateLimiter')).toEqual([]);
  });

  it('disposes an object the registry refuses, then rethrows', () => {
    const registry = new PolicyRegistry();
    registerUntilDisposed(registry, 'rateLimiter', limiter('global'));
    const refused = limiter('global');
    const dispose = vi.spyOn(refused, 'dispose');
    expect(() => registerUntilDisposed(registry, 'rateLimiter', refused)).toThrow(/already registered/);
    expect(dispose).toHaveBeenCalledOnce();
    expect(registry.list('rateLimiter')).toHaveLength(1);
  });
});
