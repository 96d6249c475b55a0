import { OptionsValidator } from '../../util/validate.js';

/** What the fake reports from `state()`: the shape `createChaos()` reports. */
export interface FakeChaosState {
  readonly enabled: boolean;
  readonly faults: readonly unknown[];
  readonly scope: Readonly<Record<string, unknown>>;
  readonly injections: Readonly<Record<string, number>>;
}

/** A stand-in for a `createChaos()` controller that records what it was given. */
export interface FakeChaos {
  /** Every argument `configure()` received, valid or not. */
  readonly received: unknown[];
  configure(settings: unknown): FakeChaosState;
  state(): FakeChaosState;
}

/**
 * A chaos controller for the monitoring API's tests: `configure()` validates the top level as `createChaos()`
 * does (an object of `enabled`, `faults`, `scope`; a `TypeError`/`RangeError` naming the option, the constraint and
 * the value) and replaces what it is given; `state()` is JSON-safe.
 */
export function fakeChaos(): FakeChaos {
  let current: FakeChaosState = { enabled: false, faults: [], scope: {}, injections: {} };
  const received: unknown[] = [];
  return {
    received,
    configure(settings) {
      received.push(settings);
      const v = new OptionsValidator('ChaosController.configure');
      const o = v.object('settings', settings, ['enabled', 'faults', 'scope']);
      v.boolean('enabled', o.enabled);
      if (o.faults !== undefined && !Array.isArray(o.faults)) v.fail('faults', 'an array', o.faults, true);
      v.done();
      current = { ...current, ...(o as Partial<FakeChaosState>) };
      return current;
    },
    state: () => current,
  };
}
