import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ATTR_RESILIENCE_COORDINATION_OPERATION,
  ATTR_RESILIENCE_COORDINATION_STATE,
  METRIC_COORDINATION_ERRORS,
  METRIC_COORDINATION_STATE,
} from '../semconv.js';
import { TestTelemetry } from '../test-support/otel.js';
import { LocalRedis } from '../test-support/redis-server.js';
import { createRedisCoordinator, type RedisCoordinator } from './redis-coordinator.js';

let redis: LocalRedis;
beforeAll(async () => {
  redis = await LocalRedis.start();
});
afterAll(() => redis.stop());

/** Resolves once `coordinator` reports `state` (each check one event-loop turn apart; bounded). */
async function until(coordinator: RedisCoordinator, state: 'connected' | 'degraded'): Promise<void> {
  for (let turn = 0; turn < 2_000 && coordinator.state !== state; turn++) {
    await new Promise(resolve => setTimeout(resolve, 5));
  }
  expect(coordinator.state).toBe(state);
}

describe('createRedisCoordinator', () => {
  let otel: TestTelemetry;
  let coordinator: RedisCoordinator;
  beforeEach(async () => {
    otel = new TestTelemetry().install();
    coordinator = createRedisCoordinator({ url: redis.url, keyPrefix: 'test', name: 'fleet' });
    await until(coordinator, 'connected');
  });
  afterEach(async () => {
    await coordinator.dispose();
    await otel.uninstall();
  });

  it('runs commands against Redis under its key prefix', async () => {
    const key = coordinator.key('rate_limiter', 'chat', 'thread-1');
    expect(key).toBe('test:rate_limiter:{chat}:thread-1');
    expect(
      await coordinator.run('rate_limiter_acquire', c => c.sendCommand(['SET', key, '1', 'PX', '1000'])),
    ).toBe('OK');
    expect(await coordinator.run('rate_limiter_acquire', c => c.sendCommand(['GET', key]))).toBe('1');
    expect(
      await otel.total(METRIC_COORDINATION_STATE, { [ATTR_RESILIENCE_COORDINATION_STATE]: 'connected' }),
    ).toBe(1);
  });

  it('delivers what another replica publishes', async () => {
    const other = createRedisCoordinator({ url: redis.url, keyPrefix: 'test' });
    await until(other, 'connected');
    const received: string[] = [];
    const heard = new Promise<void>(resolve => {
      coordinator.subscribe('test:channel', message => {
        received.push(message);
        resolve();
      });
    });
    // The subscription is made on a second connection: publish until it is heard (bounded).
    for (let i = 0; i < 100 && received.length === 0; i++) {
      await other.publish('circuit_breaker_publish', 'test:channel', 'hello');
      await Promise.race([heard, new Promise(resolve => setTimeout(resolve, 20))]);
    }
    expect(received[0]).toBe('hello');
    await other.dispose();
  });

  it('answers undefined within its timeout when Redis is gone, counts it, and turns degraded, then connected again', async () => {
    let reconnected = 0;
    coordinator.onReconnect(() => reconnected++);
    await redis.kill();
    expect(await coordinator.run('retry_budget_sync', c => c.sendCommand(['PING']))).toBeUndefined();
    await until(coordinator, 'degraded');
    expect(await otel.total(METRIC_COORDINATION_ERRORS)).toBeGreaterThan(0);
    expect(
      await otel.total(METRIC_COORDINATION_STATE, { [ATTR_RESILIENCE_COORDINATION_STATE]: 'degraded' }),
    ).toBe(1);
    await redis.restart();
    await until(coordinator, 'connected');
    expect(reconnected).toBe(1);
    expect(await coordinator.run('retry_budget_sync', c => c.sendCommand(['PING']))).toBe('PONG');
  });

  // Defect: dispose() of a coordinator whose Redis had died never settled (node-redis' close() waits for a
  // reconnection that never comes), so a replica's shutdown hung.
  it('disposes at once while Redis is down', async () => {
    const other = createRedisCoordinator({ url: redis.url, name: 'other' });
    await until(other, 'connected');
    await redis.kill();
    await until(other, 'degraded');
    const disposed = await Promise.race([
      other.dispose().then(() => 'disposed'),
      new Promise(resolve => setTimeout(() => resolve('still waiting after 5 s'), 5_000).unref()),
    ]);
    expect(disposed).toBe('disposed');
    await redis.restart();
    await until(coordinator, 'connected');
  });

  it('times out a command that does not answer in time', async () => {
    const slow = createRedisCoordinator({ url: redis.url, timeoutMs: 20, name: 'slow' });
    await until(slow, 'connected');
    // Another connection pauses every client for 0.3 s: longer than the timeout (Redis 7 refuses DEBUG by default).
    expect(await coordinator.run('connect', c => c.sendCommand(['CLIENT', 'PAUSE', '300', 'ALL']))).toBe(
      'OK',
    );
    expect(await slow.run('circuit_breaker_read', c => c.sendCommand(['PING']))).toBeUndefined();
    expect(
      await otel.total(METRIC_COORDINATION_ERRORS, {
        [ATTR_RESILIENCE_COORDINATION_OPERATION]: 'circuit_breaker_read',
      }),
    ).toBe(1);
    await slow.dispose();
  });

  it('counts a value not trusted', async () => {
    coordinator.invalid('circuit breaker state');
    expect(
      await otel.total(METRIC_COORDINATION_ERRORS, {
        [ATTR_RESILIENCE_COORDINATION_OPERATION]: 'invalid_value',
      }),
    ).toBe(1);
  });
});

describe('createRedisCoordinator options', () => {
  it('refuses bad options, naming each, without echoing a URL (it may hold a password)', () => {
    expect(() => createRedisCoordinator({} as never)).toThrow(/client must be given, or url given/);
    expect(() => createRedisCoordinator({ url: 'http://user:hunter2@host' })).toThrow(
      /url must be a redis:\/\/ or rediss:\/\/ URL, got .*another form/,
    );
    expect(() => createRedisCoordinator({ url: 'http://user:hunter2@host' })).not.toThrow(/hunter2/);
    expect(() => createRedisCoordinator({ url: redis.url, timeoutMs: -1 })).toThrow(/timeoutMs/);
    expect(() => createRedisCoordinator({ url: redis.url, keyPrefix: 'a b' })).toThrow(/keyPrefix/);
    expect(() => createRedisCoordinator({ client: {} as never })).toThrow(TypeError);
    expect(() => createRedisCoordinator({ url: redis.url, extra: 1 } as never)).toThrow(/extra/);
  });
});
