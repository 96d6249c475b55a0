import { describe, expect, it } from 'vitest';
import { parseSettings, redactUrl, replicaPorts, UsageError } from './cli.js';

/** No REDIS_URL in the environment. */
const NO_ENV = {};

describe('demo command line', () => {
  it('has defaults a newcomer can run', () => {
    expect(parseSettings([], NO_ENV)).toEqual({
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
      replicas: 1,
      redis: undefined,
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
      '--scenario must be one of outage, rate-limits, steady, incident, game-day, failover, got "meltdown"',
    ],
    [['--duration', '5'], '--duration must be a number in [10, 86400], got "5"'],
    [['--framework', 'langchain'], '--framework must be one of clients, ai-sdk, got "langchain"'],
    [
      ['--metrics-port', '9000', '--monitor-port', '9000'],
      '--metrics-port and --monitor-port must differ, both are 9000',
    ],
    [['--bogus'], "Unknown option '--bogus'"],
    [['--replicas', '0'], '--replicas must be an integer in [1, 8], got "0"'],
    [['--replicas', '9'], '--replicas must be an integer in [1, 8], got "9"'],
    [['--replicas', '2.5'], '--replicas must be an integer in [1, 8], got "2.5"'],
    [['--replicas', 'three'], '--replicas must be an integer in [1, 8], got "three"'],
    [
      ['--redis', 'http://127.0.0.1:6379'],
      '--redis must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379, got "http://127.0.0.1:6379"',
    ],
    [
      ['--redis', 'localhost:6379'],
      '--redis must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379, got "localhost:6379"',
    ],
    [['--redis', 'redis://'], 'got "redis://"'],
    [
      ['--replicas', '3', '--metrics-port', '9000', '--monitor-port', '9002'],
      "with --replicas 3, replica 2's /metrics (--metrics-port + 2) and replica 1's monitoring API (--monitor-port) would both use port 9002",
    ],
    [
      ['--replicas', '8', '--metrics-port', '65530', '--monitor-port', '9465'],
      "--metrics-port is too high for 8 replicas: replica 4's /metrics (--metrics-port + 6) would be 65536",
    ],
  ])('rejects %j', (argv, message) => {
    expect(() => parseSettings(argv, NO_ENV)).toThrow(UsageError);
    expect(() => parseSettings(argv, NO_ENV)).toThrow(message);
  });

  describe('a fleet (--replicas, --redis)', () => {
    it('takes --replicas 1 to 8 and a redis:// or rediss:// URL', () => {
      expect(parseSettings(['--replicas', '3', '--redis', 'redis://10.0.0.5:6380/2'], NO_ENV)).toMatchObject({
        replicas: 3,
        redis: 'redis://10.0.0.5:6380/2',
      });
      expect(parseSettings(['--replicas', '8', '--redis', 'rediss://cache.internal'], NO_ENV)).toMatchObject({
        replicas: 8,
        redis: 'rediss://cache.internal',
      });
    });

    it('takes REDIS_URL as the default of --redis; --redis wins; a blank REDIS_URL is none', () => {
      const env = { REDIS_URL: 'redis://redis:6379' };
      expect(parseSettings([], env)?.redis).toBe('redis://redis:6379');
      expect(parseSettings(['--redis', 'redis://127.0.0.1:7000'], env)?.redis).toBe('redis://127.0.0.1:7000');
      expect(parseSettings([], { REDIS_URL: ' ' })?.redis).toBeUndefined();
      expect(() => parseSettings([], { REDIS_URL: 'redis-host:6379' })).toThrow(
        'REDIS_URL (the default of --redis) must be a redis:// or rediss:// URL',
      );
    });

    it('never prints the password of a Redis URL it rejects', () => {
      const parse = () => parseSettings(['--redis', 'http://user:s3cret@cache:6379'], NO_ENV);
      expect(parse).toThrow('got "http://***@cache:6379"');
      expect(parse).not.toThrow(/s3cret/);
      expect(redactUrl('rediss://:p4ss@host:6380/0')).toBe('rediss://***@host:6380/0');
      expect(redactUrl('redis://host:6379')).toBe('redis://host:6379');
    });

    it('gives replica k the base ports + 2(k-1), interleaved with the defaults; 0 stays any free port', () => {
      const settings = parseSettings(['--replicas', '3'], NO_ENV)!;
      expect([1, 2, 3].map(k => replicaPorts(settings, k))).toEqual([
        { metricsPort: 9464, monitorPort: 9465 },
        { metricsPort: 9466, monitorPort: 9467 },
        { metricsPort: 9468, monitorPort: 9469 },
      ]);
      const free = parseSettings(['--replicas', '8', '--metrics-port', '0', '--monitor-port', '0'], NO_ENV)!;
      expect(replicaPorts(free, 8)).toEqual({ metricsPort: 0, monitorPort: 0 });
    });
  });
});
