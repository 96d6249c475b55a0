import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CircuitOpenError } from '../errors/signals.js';
import type { CircuitBreaker, CircuitTransition } from './circuit-breaker.js';
import { FLEET_READ_EVERY_MS } from './shared-breaker-link.js';
import {
  type FakeFleetStore,
  FakeReplicas,
  failing,
  failTwice,
  HALF_OPEN_AFTER_MS,
  PROBE_TIMEOUT_MS,
  settle,
} from './test-support/shared-breaker-fleet.js';

let replicas: FakeReplicas;
let store: FakeFleetStore;

async function open(breaker: CircuitBreaker | undefined): Promise<void> {
  await failTwice(breaker);
  expect(breaker?.state).toBe('open');
}

function record(breaker: CircuitBreaker | undefined): CircuitTransition[] {
  const seen: CircuitTransition[] = [];
  breaker?.onTransition(t => seen.push(t));
  return seen;
}

const steps = (seen: readonly CircuitTransition[]) => seen.map(t => `${t.from}->${t.to}:${t.origin}`);

describe('shared circuit breaker (the fleet port)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    replicas = new FakeReplicas();
    store = replicas.store;
  });
  afterEach(() => {
    replicas.dispose();
    vi.useRealTimers();
  });

  it('opens on every replica when one opens: the others reject without calling, through their transition path', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map(id => replicas.replica(id));
    await settle();
    const seenByB = record(b as CircuitBreaker);
    await open(a as CircuitBreaker);
    expect([b?.state, c?.state]).toEqual(['open', 'open']);
    expect(steps(seenByB)).toEqual(['closed->open:fleet']);
    expect(store.stored).toMatchObject({ state: 'open', generation: 1, openings: 1, cause: 'outcome' });
    const fn = vi.fn(async () => 'called');
    await expect(b?.execute(fn)).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(c?.execute(fn)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(fn).not.toHaveBeenCalled();
    // Same opening: the same wait everywhere.
    expect(b?.retryAfterMs).toBe(a?.retryAfterMs);
  });

  it('keeps the success path local: no request to the store per call', async () => {
    const a = replicas.replica('a');
    await settle();
    const before = { ...store.requests };
    for (let i = 0; i < 100; i++) await a.execute(async () => 'ok');
    await settle();
    expect(store.requests).toEqual(before);
  });

  it('lets one replica probe at a time across the fleet; a failed probe reopens everyone with the new generation', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map(id => replicas.replica(id)) as CircuitBreaker[];
    await open(a as CircuitBreaker);
    vi.advanceTimersByTime(HALF_OPEN_AFTER_MS);
    const provider = vi.fn(failing);
    const results = await Promise.allSettled([a, b, c, a, b, c].map(breaker => breaker?.execute(provider)));
    expect(provider).toHaveBeenCalledTimes(1);
    expect(results.filter(r => r.status === 'rejected' && r.reason instanceof CircuitOpenError)).toHaveLength(
      5,
    );
    await settle();
    expect(store.stored).toMatchObject({ state: 'open', generation: 2, openings: 2 });
    // The new opening reached the replicas that did not probe: their wait starts again.
    for (const breaker of [a, b, c]) {
      expect(breaker?.state).toBe('open');
      expect(breaker?.retryAfterMs).toBe(HALF_OPEN_AFTER_MS);
    }
    await Promise.allSettled([a, b, c].map(breaker => breaker?.execute(provider)));
    expect(provider).toHaveBeenCalledTimes(1);
  });

  it('closes every replica when the probe succeeds, and the others wait for it rather than probing', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map(id => replicas.replica(id)) as CircuitBreaker[];
    const seenByC = record(c as CircuitBreaker);
    await open(b as CircuitBreaker);
    vi.advanceTimersByTime(HALF_OPEN_AFTER_MS);
    let finish: (value: string) => void = () => {};
    const provider = vi.fn(() => new Promise<string>(resolve => (finish = resolve)));
    const probe = a?.execute(provider);
    await settle();
    expect(a?.state).toBe('half_open');
    // While a's probe runs, b and c reject (as open) and say when the lease may end.
    await expect(b?.execute(provider)).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(c?.execute(provider)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(c?.state).toBe('open');
    expect(c?.retryAfterMs).toBe(PROBE_TIMEOUT_MS);
    expect(provider).toHaveBeenCalledTimes(1);
    finish('ok');
    await expect(probe).resolves.toBe('ok');
    await settle();
    expect([a?.state, b?.state, c?.state]).toEqual(['closed', 'closed', 'closed']);
    expect(steps(seenByC)).toEqual(['closed->open:fleet', 'open->closed:fleet']);
    expect(store.lease).toBeUndefined();
  });

  it('lets another replica probe once the lease of a replica that stopped has expired', async () => {
    const [a, b] = ['a', 'b'].map(id => replicas.replica(id)) as CircuitBreaker[];
    await open(a as CircuitBreaker);
    vi.advanceTimersByTime(HALF_OPEN_AFTER_MS);
    void a?.execute(() => new Promise(() => {})); // the probe never ends: its replica is gone
    await settle();
    a?.dispose();
    const provider = vi.fn(async () => 'ok');
    await expect(b?.execute(provider)).rejects.toBeInstanceOf(CircuitOpenError);
    vi.advanceTimersByTime(PROBE_TIMEOUT_MS);
    await expect(b?.execute(provider)).resolves.toBe('ok');
    expect(b?.state).toBe('closed');
  });

  it('resets every replica (forgetting their failure history) from one, e.g. the monitoring API', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map(id => replicas.replica(id)) as CircuitBreaker[];
    await open(a as CircuitBreaker);
    const seenByC = record(c as CircuitBreaker);
    b?.reset();
    await settle();
    expect([a?.state, b?.state, c?.state]).toEqual(['closed', 'closed', 'closed']);
    expect(steps(seenByC)).toEqual(['open->closed:fleet']);
    expect(store.stored).toMatchObject({ state: 'closed', cause: 'reset' });
    // A closed replica forgets its failures too: after one failure and a reset elsewhere, one more does not open it.
    await c?.execute(failing).catch(() => undefined);
    expect(c?.snapshot().consecutiveFailures).toBe(1);
    b?.reset();
    await settle();
    expect(c?.snapshot().consecutiveFailures).toBe(0);
    await c?.execute(failing).catch(() => undefined);
    expect(c?.state).toBe('closed');
  });

  it('isolates every replica from one, keeps the isolation over a reset, and releases it everywhere', async () => {
    const [a, b] = ['a', 'b'].map(id => replicas.replica(id)) as CircuitBreaker[];
    await settle();
    const seenByB = record(b as CircuitBreaker);
    const hold = a?.isolate();
    await settle();
    expect([a?.state, b?.state]).toEqual(['isolated', 'isolated']);
    b?.reset();
    await settle();
    expect([a?.state, b?.state]).toEqual(['isolated', 'isolated']);
    hold?.dispose();
    hold?.dispose();
    await settle();
    expect([a?.state, b?.state]).toEqual(['closed', 'closed']);
    expect(steps(seenByB)).toEqual(['closed->isolated:fleet', 'isolated->closed:fleet']);
    expect(store.stored).toMatchObject({ state: 'closed', isolatedBy: [] });
  });

  it('stays isolated everywhere while any replica holds an isolation', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map(id => replicas.replica(id)) as CircuitBreaker[];
    await settle();
    const holdA = a?.isolate();
    await settle();
    const holdB = b?.isolate();
    await settle();
    expect(store.stored?.isolatedBy).toEqual(['a', 'b']);
    holdA?.dispose();
    await settle();
    expect([a?.state, b?.state, c?.state]).toEqual(['isolated', 'isolated', 'isolated']);
    expect(store.stored?.isolatedBy).toEqual(['b']);
    holdB?.dispose();
    await settle();
    expect([a?.state, b?.state, c?.state]).toEqual(['closed', 'closed', 'closed']);
  });

  it('runs on local state while the store does not answer, and shares it when the store is back', async () => {
    const [a, b] = ['a', 'b'].map(id => replicas.replica(id)) as CircuitBreaker[];
    await settle();
    store.down = true;
    for (let i = 0; i < 20; i++) await expect(a?.execute(async () => i)).resolves.toBe(i);
    await open(a as CircuitBreaker);
    expect(b?.state).toBe('closed');
    // Its probe goes out alone (no lease to be had).
    vi.advanceTimersByTime(HALF_OPEN_AFTER_MS);
    await expect(a?.execute(failing)).rejects.toThrow('HTTP 503');
    expect(a?.state).toBe('open');
    store.reconnect();
    await settle();
    expect(b?.state).toBe('open');
    expect(store.stored).toMatchObject({ state: 'open', openings: 2 });
  });

  it('heals a missed announcement with its periodic read', async () => {
    const [a, b] = ['a', 'b'].map(id => replicas.replica(id)) as CircuitBreaker[];
    await settle();
    store.dropAnnouncements = true;
    await open(a as CircuitBreaker);
    expect(b?.state).toBe('closed');
    await vi.advanceTimersByTimeAsync(FLEET_READ_EVERY_MS);
    await settle();
    expect(b?.state).toBe('open');
  });

  it('ignores an announcement whose generation is stale or equal', async () => {
    const [a, b] = ['a', 'b'].map(id => replicas.replica(id)) as CircuitBreaker[];
    await open(a as CircuitBreaker);
    await open(a as CircuitBreaker).catch(() => undefined);
    const current = store.stored;
    if (current === null) throw new Error('nothing stored');
    const closed = { state: 'closed', isolatedBy: [], openedAt: 0, openings: 0, cause: 'reset' } as const;
    store.announce({ ...closed, generation: current.generation - 1 });
    store.announce({ ...closed, generation: current.generation });
    await settle();
    expect(b?.state).toBe('open');
    store.announce({ ...closed, generation: current.generation + 1 });
    await settle();
    expect(b?.state).toBe('closed');
  });

  it('stores its state again, with a higher generation, when the store lost it (restart, expiry)', async () => {
    const [a, b] = ['a', 'b'].map(id => replicas.replica(id)) as CircuitBreaker[];
    await open(a as CircuitBreaker);
    store.stored = null;
    await vi.advanceTimersByTimeAsync(FLEET_READ_EVERY_MS);
    await settle();
    expect(store.stored).toMatchObject({ state: 'open', generation: 2, cause: 'resync' });
    expect(b?.state).toBe('open');
  });

  it('stops its periodic read and its subscription on dispose', async () => {
    const timers = vi.getTimerCount();
    const [a, b] = ['a', 'b'].map(id => replicas.replica(id)) as CircuitBreaker[];
    expect(vi.getTimerCount()).toBe(timers + 2);
    expect(store.listeners).toBe(2);
    b?.dispose();
    expect(vi.getTimerCount()).toBe(timers + 1);
    expect(store.listeners).toBe(1);
    const reads = store.requests.read;
    await open(a as CircuitBreaker);
    await vi.advanceTimersByTimeAsync(FLEET_READ_EVERY_MS);
    expect(b?.state).toBe('closed');
    expect(store.requests.read).toBe(reads + 1);
  });
});
