import { describe, expect, it } from 'vitest';
import { parseSettings, UsageError } from './cli.js';

describe('demo command line', () => {
  it('has defaults a newcomer can run', () => {
    expect(parseSettings([])).toEqual({
      framework: 'clients',
      durationMs: 60_000,
      scenario: 'outage',
      seed: 42,
      rate: 6,
      host: '127.0.0.1',
      metricsPort: 9464,
      monitorPort: 9465,
      loop: false,
      quiet: false,
    });
  });

  it('runs the model calls through the AI SDK with --framework ai-sdk', () => {
    expect(parseSettings(['--framework', 'ai-sdk'])).toMatchObject({ framework: 'ai-sdk' });
  });

  it('returns undefined for --help', () => {
    expect(parseSettings(['--help'])).toBeUndefined();
  });

  it.each([
    [['--metrics-port', '70000'], '--metrics-port must be a number in [0, 65535], got "70000"'],
    [['--monitor-port', 'abc'], '--monitor-port must be a number in [0, 65535], got "abc"'],
    [
      ['--scenario', 'meltdown'],
      '--scenario must be one of outage, rate-limits, steady, incident, got "meltdown"',
    ],
    [['--duration', '5'], '--duration must be a number in [10, 86400], got "5"'],
    [['--framework', 'langchain'], '--framework must be one of clients, ai-sdk, got "langchain"'],
    [
      ['--metrics-port', '9000', '--monitor-port', '9000'],
      '--metrics-port and --monitor-port must differ, both are 9000',
    ],
    [['--bogus'], "Unknown option '--bogus'"],
  ])('rejects %j', (argv, message) => {
    expect(() => parseSettings(argv)).toThrow(UsageError);
    expect(() => parseSettings(argv)).toThrow(message);
  });
});
