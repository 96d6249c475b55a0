import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRecoveryManager } from '../load/create-recovery-manager.js';
import { createPolicy } from '../pipeline/create-policy.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { createCircuitBreaker } from './create-circuit-breaker.js';
import {
  FakeFleetStore,
  FakeReplicas,
  failing,
  failTwice,
  HALF_OPEN_AFTER_MS,
  settle,
} from './test-support/shared-breaker-fleet.js';

let replicas: FakeReplicas;
let store: FakeFleetStore;

async function open(breaker: CircuitBreaker | undefined): Promise<void> {
  await failTwice(breaker);
  expect(breaker?.state).toBe('open');
}

describe('shared circuit breakers composed: hierarchies, recovery managers, policies', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    replicas = new FakeReplicas();
    store = replicas.store;
  });
  afterEach(() => {
    replicas.dispose();
    vi.useRealTimers();
  });

  it('keeps hierarchies per replica: a shared parent isolates its local children on each replica, unshared', async () => {
    const parents = ['a', 'b'].map(id => replicas.replica(id, { isolateChildren: true })) as CircuitBreaker[];
    const children = parents.map(parent =>
      createCircuitBreaker('provider.model', { registry: null, parent: parent as CircuitBreaker }),
    );
    await open(parents[0] as CircuitBreaker);
    expect(children.map(child => child.state)).toEqual(['isolated', 'isolated']);
    expect(store.stored).toMatchObject({ state: 'open', isolatedBy: [] });
    for (const child of children) child.dispose();
  });

  it('keeps hierarchies of shared breakers: children share their own state, never their parent-held isolation', async () => {
    const stores = { provider: new FakeFleetStore(), 'provider.model': new FakeFleetStore() };
    const shared = ['a', 'b'].map(id => FakeFleetStore.coordinator(id, stores));
    const parents = shared.map(coordinator =>
      createCircuitBreaker('provider', {
        registry: null,
        shared: coordinator,
        isolateChildren: true,
        breaker: { kind: 'consecutive', threshold: 2 },
      }),
    );
    const children = shared.map((coordinator, i) =>
      createCircuitBreaker('provider.model', {
        registry: null,
        shared: coordinator,
        parent: parents[i],
        breaker: { kind: 'consecutive', threshold: 1 },
      }),
    );
    for (const breaker of [...parents, ...children]) replicas.track(breaker);
    await settle();
    // A child failure counts for its parent too; the child opens on both replicas.
    await children[0]?.execute(failing).catch(() => undefined);
    await settle();
    expect(children.map(child => child.state)).toEqual(['open', 'open']);
    expect(parents.map(parent => parent.state)).toEqual(['closed', 'closed']);
    await open(parents[0] as CircuitBreaker);
    expect(parents.map(parent => parent.state)).toEqual(['open', 'open']);
    expect(children.map(child => child.state)).toEqual(['isolated', 'isolated']);
    expect(stores['provider.model'].stored).toMatchObject({ state: 'open', isolatedBy: [] });
  });

  it('moves the recovery managers of every replica together (the fleet ramps as one)', async () => {
    const [a, b] = ['a', 'b'].map(id => replicas.replica(id)) as CircuitBreaker[];
    const managers = [a, b].map((breaker, i) =>
      createRecoveryManager(`provider.recovery.${i}`, { registry: null, circuitBreaker: breaker }),
    );
    await open(a as CircuitBreaker);
    expect(managers.map(m => m.state)).toEqual(['degraded', 'degraded']);
    vi.advanceTimersByTime(HALF_OPEN_AFTER_MS);
    await expect(a?.execute(async () => 'ok')).resolves.toBe('ok');
    await settle();
    expect(managers.map(m => m.state)).toEqual(['recovering', 'recovering']);
    for (const manager of managers) manager.dispose();
  });

  it('serves as the circuit breaker of a policy', async () => {
    const [a, b] = ['a', 'b'].map(id => replicas.replica(id)) as CircuitBreaker[];
    const policy = createPolicy('provider.chat', { registry: null, circuitBreaker: b as CircuitBreaker });
    await open(a as CircuitBreaker);
    const fn = vi.fn(async () => 'x');
    await expect(policy.execute(fn)).rejects.toMatchObject({ strategy: 'circuit_breaker' });
    expect(fn).not.toHaveBeenCalled();
    policy.dispose();
  });
});

describe('createCircuitBreaker shared options', () => {
  it('refuses what is not a coordinator, and probeTimeoutMs without shared', () => {
    expect(() => createCircuitBreaker('b', { registry: null, shared: {} as never })).toThrow(
      /options\.shared must be a fleet coordinator/,
    );
    expect(() => createCircuitBreaker('b', { registry: null, probeTimeoutMs: 1_000 })).toThrow(
      /probeTimeoutMs must be given with shared/,
    );
    expect(() =>
      createCircuitBreaker('b', {
        registry: null,
        shared: new FakeFleetStore().coordinator('a'),
        probeTimeoutMs: -1,
      }),
    ).toThrow(RangeError);
  });
});
