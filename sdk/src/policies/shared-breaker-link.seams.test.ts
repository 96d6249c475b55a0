/** The shared breaker's link where a local operation meets a fleet change in flight (fake store, fake timers). */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CircuitBreaker } from './circuit-breaker.js';
import { FakeReplicas, failTwice, settle } from './test-support/shared-breaker-fleet.js';

let replicas: FakeReplicas;

describe('shared circuit breaker: local operations racing fleet changes', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    replicas = new FakeReplicas();
  });
  afterEach(() => {
    replicas.dispose();
    vi.useRealTimers();
  });

  // Defect: an operator's reset() on B that met another replica's announcement (its reopening, heard before B's
  // reset was shared) was dropped: B adopted the opening and the fleet never heard the reset, so the reset clicked
  // in the monitoring API did nothing anywhere.
  it('shares a reset asked while another replica reopened the fleet', async () => {
    const [a, b] = ['a', 'b'].map(id => replicas.replica(id)) as CircuitBreaker[];
    await failTwice(a);
    expect(b?.state).toBe('open');
    const stored = replicas.store.stored;
    if (stored === null) throw new Error('nothing stored');
    const reopened = {
      ...stored,
      openedAt: stored.openedAt + 1,
      openings: 2,
      generation: stored.generation + 1,
    };
    replicas.store.stored = reopened;
    replicas.store.announce(reopened); // heard a microtask later, before B's reset is shared
    b?.reset();
    await settle();
    expect(replicas.store.stored).toMatchObject({ state: 'closed', cause: 'reset' });
    expect(b?.state).toBe('closed');
    expect(a?.state).toBe('closed');
  });
});
