import { describe, expect, it } from 'vitest';
import { MAX_TIMER_MS } from '../../util/timers.js';
import { OptionsValidator } from '../../util/validate.js';
import { CHAOS_DEFAULTS, type CheckedSettings, checkChaosSettings, SETTINGS_KEYS } from './settings.js';

/** Validates like `configure` does; throws the collected problems. */
function check(settings: unknown): CheckedSettings {
  const v = new OptionsValidator('configure()');
  const checked = checkChaosSettings(v, v.object('', settings, SETTINGS_KEYS));
  v.done();
  return checked;
}

const problem = (settings: unknown) => {
  try {
    check(settings);
  } catch (error) {
    return error as Error;
  }
  throw new Error('no problem found');
};

describe('chaos settings: faults', () => {
  it('fills in the defaults of the fields that apply to each fault, and only those', () => {
    const { faults } = check({
      faults: [
        { fault: 'rate_limited', rate: 0.1 },
        { fault: 'latency', rate: 0.2 },
        { fault: 'stream_drop', rate: 0.3 },
        { fault: 'stream_error', rate: 0.1, provider: 'anthropic', afterChunks: 0 },
        { fault: 'network', rate: 0.1 },
      ],
    });
    expect(faults).toEqual([
      { fault: 'rate_limited', rate: 0.1, provider: 'openai', retryAfterMs: 1000 },
      { fault: 'latency', rate: 0.2, latencyMs: 1000 },
      { fault: 'stream_drop', rate: 0.3, afterChunks: 1 },
      { fault: 'stream_error', rate: 0.1, provider: 'anthropic', afterChunks: 0 },
      { fault: 'network', rate: 0.1, provider: 'openai' },
    ]);
    expect(Object.isFrozen(faults)).toBe(true);
    expect(Object.isFrozen(faults?.[0])).toBe(true);
  });

  it('keeps a latency distribution', () => {
    const spec = { fault: 'latency', rate: 1, latencyMs: { p50Ms: 300, p99Ms: 4000 } };
    expect(check({ faults: [spec] }).faults?.[0]).toEqual(spec);
  });

  it.each([
    [
      { faults: [{ fault: 'meteor', rate: 0.1 }] },
      'faults[0].fault must be one of "rate_limited",',
      RangeError,
    ],
    [
      { faults: [{ fault: 'timeout' }] },
      'faults[0].rate must be a number in [0, 1], got undefined',
      TypeError,
    ],
    [
      { faults: [{ fault: 'timeout', rate: 1.5 }] },
      'faults[0].rate must be a number in [0, 1], got 1.5',
      RangeError,
    ],
    [
      { faults: [{ fault: 'timeout', rate: Number.NaN }] },
      'faults[0].rate must be a number in [0, 1], got NaN',
      RangeError,
    ],
    [
      { faults: [{ fault: 'latency', rate: 0.1, retryAfterMs: 5 }] },
      'faults[0].retryAfterMs must be left out for fault "latency" (it applies to rate_limited only), got 5',
      RangeError,
    ],
    [
      { faults: [{ fault: 'stream_drop', rate: 0.1, provider: 'openai' }] },
      'faults[0].provider must be left out for fault "stream_drop" (it applies to the error faults and stream_error)',
      RangeError,
    ],
    [
      { faults: [{ fault: 'timeout', rate: 0.1, provider: 'gemini' }] },
      'faults[0].provider must be one of "openai", "anthropic", got "gemini"',
      RangeError,
    ],
    [
      { faults: [{ fault: 'rate_limited', rate: 0.1, retryAfterMs: -1 }] },
      'faults[0].retryAfterMs must be a number in [0, 2147483647], got -1',
      RangeError,
    ],
    [
      { faults: [{ fault: 'stream_stall', rate: 0.1, afterChunks: 1.5 }] },
      'faults[0].afterChunks must be an integer in [0, 1000000], got 1.5',
      RangeError,
    ],
    [
      { faults: [{ fault: 'latency', rate: 0.1, latencyMs: { p50Ms: 500, p99Ms: 100 } }] },
      'faults[0].latencyMs.p99Ms must be >= p50Ms (500), got 100',
      RangeError,
    ],
    [
      { faults: [{ fault: 'latency', rate: 0.1, latencyMs: { p50Ms: 0, p99Ms: 100 } }] },
      'faults[0].latencyMs.p50Ms must be a number in (0, 2147483647], got 0',
      RangeError,
    ],
    [
      { faults: [{ fault: 'latency', rate: 0.1, latencyMs: '1s' }] },
      'faults[0].latencyMs must be a number of ms or { p50Ms, p99Ms }, got "1s"',
      TypeError,
    ],
    [
      { faults: [{ fault: 'latency', rate: 0.1, jitter: true }] },
      'faults[0].jitter is not a known option',
      RangeError,
    ],
    [
      { faults: ['timeout'] },
      'faults[0] must be a fault spec ({ fault, rate, ... }), got "timeout"',
      TypeError,
    ],
    [
      { faults: { fault: 'timeout', rate: 1 } },
      'faults must be an array of at most 32 fault specs, got an object',
      TypeError,
    ],
    [
      { faults: Array.from({ length: 33 }, () => ({ fault: 'timeout', rate: 0 })) },
      'faults must be an array of at most 32 fault specs, got an array of 33',
      RangeError,
    ],
  ])('refuses %j: %s', (settings, message, type) => {
    const error = problem(settings);
    expect(error).toBeInstanceOf(type);
    expect(error.message).toContain('Invalid options for configure(): ');
    expect(error.message).toContain(message);
  });

  it('refuses error and stream fault rates adding up to more than 1, and latency rates too', () => {
    expect(
      problem({
        faults: [
          { fault: 'rate_limited', rate: 0.5 },
          { fault: 'stream_drop', rate: 0.6 },
        ],
      }).message,
    ).toContain(
      'faults must be a list whose error and stream fault rates add up to at most 1 (at most one of them hits an attempt), got 1.1',
    );
    expect(
      problem({
        faults: [
          { fault: 'latency', rate: 0.7 },
          { fault: 'latency', rate: 0.7 },
        ],
      }).message,
    ).toContain('faults must be a list whose latency rates add up to at most 1');
  });

  it('lets rates add up to exactly 1, float noise included, and latency combine with a failure', () => {
    const faults = [
      { fault: 'timeout', rate: 0.1 },
      { fault: 'network', rate: 0.2 },
      { fault: 'server_error', rate: 0.7 },
      { fault: 'latency', rate: 1 },
    ];
    expect(check({ faults }).faults).toHaveLength(4);
  });

  it('takes the largest delays a timer honours', () => {
    const faults = [{ fault: 'rate_limited', rate: 1, retryAfterMs: MAX_TIMER_MS }];
    expect(check({ faults }).faults?.[0]?.retryAfterMs).toBe(MAX_TIMER_MS);
    expect(problem({ faults: [{ ...faults[0], retryAfterMs: MAX_TIMER_MS + 1 }] })).toBeInstanceOf(
      RangeError,
    );
  });
});

describe('chaos settings: scope', () => {
  it('takes policy names, models and tenants as given (models with the characters model names have)', () => {
    const scope = {
      policies: ['openai.chat', 'claude:fallback'],
      models: ['gpt-4o-mini', 'claude-3-5-sonnet@2024', 'models/gemini-1.5-pro', 'llama 3.1 (70B)'],
      tenants: ['acme corp', 'tenant/42', 'Zoë'],
    };
    const checked = check({ scope }).scope;
    expect(checked).toEqual(scope);
    expect(Object.isFrozen(checked?.models)).toBe(true);
  });

  it.each([
    [
      { scope: { policies: ['openai chat'] } },
      'scope.policies[0] must be a string of 1-64 characters from [A-Za-z0-9_.:-], got "openai chat"',
    ],
    [{ scope: { models: [''] } }, 'scope.models[0] must be a string of 1-128 printable characters, got ""'],
    [{ scope: { models: ['gpt-4o\n'] } }, 'scope.models[0] must be a string of 1-128 printable characters'],
    [
      { scope: { tenants: ['x'.repeat(129)] } },
      'scope.tenants[0] must be a string of 1-128 printable characters',
    ],
    [{ scope: { tenants: ['a\u202Eb'] } }, 'scope.tenants[0] must be a string of 1-128 printable characters'],
    [{ scope: { tenants: [42] } }, 'scope.tenants[0] must be a string of 1-128 printable characters, got 42'],
    [{ scope: { models: 'gpt-4o' } }, 'scope.models must be an array of at most 100 strings, got "gpt-4o"'],
    [
      { scope: { models: Array.from({ length: 101 }, (_, i) => `m${i}`) } },
      'scope.models must be an array of at most 100 strings, got an array of 101',
    ],
    [{ scope: { users: ['a'] } }, 'scope.users is not a known option (known: policies, models, tenants)'],
    [{ scope: [] }, 'scope must be an object ({ policies?, models?, tenants? }), got an array of 0'],
  ])('refuses %j', (settings, message) => {
    expect(problem(settings).message).toContain(message);
  });

  it('accepts 1-128 characters, counting code points', () => {
    expect(check({ scope: { tenants: ['😀'.repeat(128)] } }).scope?.tenants).toHaveLength(1);
  });
});

describe('chaos settings: the object', () => {
  it('returns only the keys given', () => {
    expect(check({ enabled: true })).toEqual({ enabled: true });
    expect(check({})).toEqual({});
  });

  it('reports every problem at once, naming option, constraint and value', () => {
    const message = problem({ enabled: 'yes', faults: [{ fault: 'timeout', rate: 2 }], extra: 1 }).message;
    expect(message).toContain('extra is not a known option (known: enabled, faults, scope)');
    expect(message).toContain('enabled must be a boolean, got "yes"');
    expect(message).toContain('faults[0].rate must be a number in [0, 1], got 2');
  });

  it('has frozen defaults', () => {
    expect(Object.isFrozen(CHAOS_DEFAULTS)).toBe(true);
    expect(CHAOS_DEFAULTS).toMatchObject({
      provider: 'openai',
      retryAfterMs: 1000,
      latencyMs: 1000,
      afterChunks: 1,
    });
  });
});
