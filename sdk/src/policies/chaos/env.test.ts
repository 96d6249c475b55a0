import { describe, expect, it } from 'vitest';
import { OptionsValidator } from '../../util/validate.js';
import { readChaosEnv } from './env.js';

const NAME = 'AGENT_RESILIENCE_CHAOS';

/** Reads `value` as the variable's value; throws the problems found. */
function read(value: string | undefined): Record<string, unknown> | undefined {
  const v = new OptionsValidator('createChaos()');
  const settings = readChaosEnv(v, NAME, { [NAME]: value });
  v.done();
  return settings;
}

const problem = (value: string) => {
  try {
    read(value);
  } catch (error) {
    return error as Error;
  }
  throw new Error('no problem found');
};

describe('readChaosEnv', () => {
  it('reads nothing from an unset or blank variable', () => {
    expect(read(undefined)).toBeUndefined();
    expect(read('')).toBeUndefined();
    expect(read('  ')).toBeUndefined();
  });

  it('reads JSON settings, enabled unless they say otherwise', () => {
    const json =
      '{"faults":[{"fault":"rate_limited","rate":0.5,"retryAfterMs":2000}],"scope":{"tenants":["t1"]}}';
    expect(read(json)).toEqual({
      enabled: true,
      faults: [{ fault: 'rate_limited', rate: 0.5, retryAfterMs: 2000 }],
      scope: { tenants: ['t1'] },
    });
    expect(read('{"enabled":false,"faults":[]}')).toEqual({ enabled: false, faults: [] });
  });

  it('reads compact fault=rate pairs, whitespace allowed', () => {
    expect(read('rate_limited=0.5, latency=.1,stream_drop = 1')).toEqual({
      enabled: true,
      faults: [
        { fault: 'rate_limited', rate: 0.5 },
        { fault: 'latency', rate: 0.1 },
        { fault: 'stream_drop', rate: 1 },
      ],
    });
  });

  it('keeps a rate that is not a plain decimal as text, for validation to name', () => {
    expect(read('timeout=high,network=1e-1')?.faults).toEqual([
      { fault: 'timeout', rate: 'high' },
      { fault: 'network', rate: '1e-1' },
    ]);
  });

  it.each(['{"faults": [', '[{"fault":"timeout","rate":1}]', 'rate_limited', 'rate_limited=0.5,', '=0.5'])(
    'refuses %j, naming the variable and both forms',
    value => {
      const error = problem(value);
      expect(error).toBeInstanceOf(RangeError);
      expect(error.message).toContain(
        `$${NAME} must be JSON chaos settings ('{...}') or fault=rate pairs separated by commas ('rate_limited=0.5,latency=0.1')`,
      );
    },
  );

  it('refuses a value over 4 KiB without parsing it', () => {
    const error = problem(`timeout=0.1,${'x'.repeat(5000)}`);
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toContain(`$${NAME} must be at most 4096 characters long (it has 5012)`);
    // The echo of the value is bounded too.
    expect(error.message.length).toBeLessThan(400);
  });

  it('reads a 4 KiB value of many pairs', () => {
    const pairs = Array.from({ length: 400 }, () => 'timeout=0').join(',');
    expect(pairs.length).toBeLessThanOrEqual(4096);
    expect(read(pairs)?.faults).toHaveLength(400);
  });

  it('reads process.env by default', () => {
    const v = new OptionsValidator('createChaos()');
    process.env.CHAOS_ENV_TEST_VARIABLE = 'timeout=0.25';
    try {
      expect(readChaosEnv(v, 'CHAOS_ENV_TEST_VARIABLE')).toEqual({
        enabled: true,
        faults: [{ fault: 'timeout', rate: 0.25 }],
      });
    } finally {
      delete process.env.CHAOS_ENV_TEST_VARIABLE;
    }
  });
});
