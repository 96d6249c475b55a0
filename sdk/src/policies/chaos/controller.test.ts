import { describe, expect, it, vi } from 'vitest';
import { CHAOS_FAULTS } from '../../semconv.js';
import { OptionsValidator } from '../../util/validate.js';
import { checkChaosOption, createChaos } from './controller.js';

const NONE = Object.fromEntries(CHAOS_FAULTS.map(f => [f, 0]));
const RATE_LIMITED = { fault: 'rate_limited', rate: 0.5 } as const;

const thrown = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('nothing thrown');
};

describe('createChaos', () => {
  it('is off and empty unless configured', () => {
    const chaos = createChaos();
    expect(chaos.enabled).toBe(false);
    expect(chaos.state()).toEqual({ enabled: false, faults: [], scope: {}, injections: NONE });
  });

  it('stays off with faults until enabled (off unless configured on)', () => {
    expect(createChaos({ faults: [RATE_LIMITED] }).enabled).toBe(false);
    const on = createChaos({ enabled: true, faults: [RATE_LIMITED], scope: { tenants: ['t1'] } });
    expect(on.state()).toEqual({
      enabled: true,
      faults: [{ ...RATE_LIMITED, provider: 'openai', retryAfterMs: 1000 }],
      scope: { tenants: ['t1'] },
      injections: NONE,
    });
  });

  it('refuses bad options, naming option, constraint and value', () => {
    const error = thrown(() =>
      createChaos({ random: 0.5, env: 'not a name', rate: 1 } as unknown as Parameters<
        typeof createChaos
      >[0]),
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/^Invalid options for createChaos\(\): /);
    expect(error.message).toContain('rate is not a known option');
    expect(error.message).toContain('random must be a function, got 0.5');
    expect(error.message).toContain(
      'env must be a boolean or an environment variable name ([A-Za-z_][A-Za-z0-9_]*, at most 128), got "not a name"',
    );
    expect(thrown(() => createChaos(null as never)).message).toContain('options must be an object, got null');
  });

  it('has a JSON-safe state that callers cannot change', () => {
    const chaos = createChaos({
      enabled: true,
      faults: [{ fault: 'latency', rate: 0.2, latencyMs: { p50Ms: 300, p99Ms: 4000 } }],
      scope: { models: ['gpt-4o-mini'] },
    });
    const state = chaos.state();
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    (state.injections as Record<string, number>).latency = 99;
    expect(() => (state.faults as unknown[]).push({})).toThrow(TypeError);
    expect(chaos.state().injections.latency).toBe(0);
  });
});

describe('switching at runtime', () => {
  it('enable() and disable()', () => {
    const chaos = createChaos({ faults: [RATE_LIMITED] });
    chaos.enable();
    expect(chaos.enabled).toBe(true);
    expect(chaos.state().enabled).toBe(true);
    chaos.disable();
    expect(chaos.enabled).toBe(false);
  });

  it('configure() replaces what it is given, keeps the rest, and returns the new state', () => {
    const chaos = createChaos({ faults: [RATE_LIMITED], scope: { tenants: ['t1'] } });
    const state = chaos.configure({ enabled: true, faults: [{ fault: 'timeout', rate: 1 }] });
    expect(state).toEqual(chaos.state());
    expect(state).toMatchObject({
      enabled: true,
      faults: [{ fault: 'timeout', rate: 1, provider: 'openai' }],
      scope: { tenants: ['t1'] },
    });
    expect(chaos.configure({ scope: {} }).scope).toEqual({});
    expect(chaos.configure({ enabled: false })).toMatchObject({
      enabled: false,
      faults: [{ fault: 'timeout' }],
    });
  });

  it('configure() with a bad setting throws and changes nothing (atomic)', () => {
    const chaos = createChaos({ enabled: true, faults: [RATE_LIMITED] });
    const before = chaos.state();
    const error = thrown(() =>
      chaos.configure({ enabled: false, faults: [{ fault: 'timeout', rate: 2 }], scope: { models: ['m'] } }),
    );
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toBe(
      'Invalid options for ChaosController.configure(): faults[0].rate must be a number in [0, 1], got 2',
    );
    expect(chaos.state()).toEqual(before);
    expect(thrown(() => chaos.configure('on' as never)).message).toContain(
      'options must be an object, got "on"',
    );
    expect(thrown(() => chaos.configure({ env: true } as never)).message).toContain(
      'env is not a known option (known: enabled, faults, scope)',
    );
  });
});

describe('settings from the environment', () => {
  const VAR = 'AGENT_RESILIENCE_CHAOS';

  it('env: true reads AGENT_RESILIENCE_CHAOS (compact), which enables chaos', () => {
    vi.stubEnv(VAR, 'rate_limited=0.5,latency=0.1');
    const chaos = createChaos({ env: true });
    expect(chaos.state()).toMatchObject({
      enabled: true,
      faults: [
        { fault: 'rate_limited', rate: 0.5, retryAfterMs: 1000 },
        { fault: 'latency', rate: 0.1, latencyMs: 1000 },
      ],
    });
  });

  it('the variable replaces the settings it gives and keeps the others given in code', () => {
    vi.stubEnv(
      'MY_CHAOS',
      '{"enabled":false,"faults":[{"fault":"overloaded","rate":1,"provider":"anthropic"}]}',
    );
    const chaos = createChaos({
      env: 'MY_CHAOS',
      enabled: true,
      faults: [RATE_LIMITED],
      scope: { tenants: ['t'] },
    });
    expect(chaos.state()).toMatchObject({
      enabled: false,
      faults: [{ fault: 'overloaded', provider: 'anthropic' }],
      scope: { tenants: ['t'] },
    });
  });

  it('is ignored when unset, empty, or env is not asked for', () => {
    vi.stubEnv(VAR, '');
    expect(createChaos({ env: true }).enabled).toBe(false);
    vi.stubEnv(VAR, 'timeout=1');
    expect(createChaos().state().faults).toEqual([]);
    expect(createChaos({ env: false }).enabled).toBe(false);
  });

  it('an invalid value makes createChaos throw, naming the variable', () => {
    vi.stubEnv(VAR, 'rate_limited=0.5,meteor=0.1');
    expect(thrown(() => createChaos({ env: true })).message).toContain(
      `createChaos(): $${VAR}.faults[1].fault must be one of "rate_limited"`,
    );
    vi.stubEnv(VAR, 'rate_limited=0.5;latency=0.1');
    expect(thrown(() => createChaos({ env: true })).message).toContain(
      `$${VAR}.faults[0].rate must be a number in [0, 1], got "0.5;latency=0.1"`,
    );
    vi.stubEnv(VAR, '{"faults":[],"random":1}');
    expect(thrown(() => createChaos({ env: true })).message).toContain(
      `$${VAR}.random is not a known option (known: enabled, faults, scope)`,
    );
    vi.stubEnv(VAR, 'x'.repeat(5000));
    expect(thrown(() => createChaos({ env: true }))).toBeInstanceOf(RangeError);
  });
});

describe('checkChaosOption (createPolicy({ chaos }))', () => {
  const check = (value: unknown) => {
    const v = OptionsValidator.forNamed('createPolicy', 'llm');
    const controller = checkChaosOption(v, 'chaos', value);
    v.done();
    return controller;
  };

  it('passes a shared controller through, and nothing for nothing', () => {
    const shared = createChaos();
    expect(check(shared)).toBe(shared);
    expect(check(undefined)).toBeUndefined();
  });

  it('makes a private controller of inline options', () => {
    const controller = check({ enabled: true, faults: [RATE_LIMITED] });
    expect(controller?.state()).toMatchObject({ enabled: true, faults: [{ fault: 'rate_limited' }] });
  });

  it('reports inline problems under the option path', () => {
    const error = thrown(() => check({ faults: [{ fault: 'timeout', rate: -1 }] }));
    expect(error.message).toBe(
      'Invalid options for createPolicy("llm"): chaos.faults[0].rate must be a number in [0, 1], got -1',
    );
    expect(thrown(() => check(42)).message).toContain(
      'chaos must be a ChaosController (createChaos()) or chaos options, got 42',
    );
  });
});
