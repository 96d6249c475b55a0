/**
 * The coordinator's subscriptions where they meet its lifecycle, on a client double with node-redis' pub/sub
 * semantics (a listener per `subscribe`, `unsubscribe(channel)` drops them all): the order of events matters
 * here, not the wire.
 */
import { describe, expect, it, vi } from 'vitest';
import type { RedisClientLike } from './redis-client.js';
import { createRedisCoordinator } from './redis-coordinator.js';

/** A connected client whose pub/sub connection connects when the test says so. */
function clients() {
  const listeners = new Map<string, Array<(message: string, channel: string) => void>>();
  let connected: () => void = () => {};
  const subscriber = {
    isReady: true,
    sendCommand: async () => 'OK',
    duplicate: () => subscriber,
    connect: () => new Promise<void>(resolve => (connected = resolve)),
    subscribe: async (channel: string, listener: (message: string, channel: string) => void) => {
      listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
    },
    unsubscribe: async (channel?: string) => {
      if (channel !== undefined) listeners.delete(channel);
    },
    on: () => subscriber,
    close: async () => {},
  };
  const client = { ...subscriber, duplicate: vi.fn(() => subscriber as RedisClientLike) };
  const deliver = (channel: string, message: string) => {
    for (const listener of listeners.get(channel) ?? []) listener(message, channel);
  };
  return { client, listeners, deliver, connect: () => connected() };
}

const flush = () => new Promise(resolve => setImmediate(resolve));

describe('RedisCoordinator subscriptions', () => {
  // Defect: subscribe() on a disposed coordinator (a breaker created after its shutdown began) opened a pub/sub
  // connection that nothing closed: the process could not exit.
  it('opens no connection once disposed', async () => {
    const { client } = clients();
    const coordinator = createRedisCoordinator({ client });
    await coordinator.dispose();
    const stop = coordinator.subscribe('test:channel', () => {});
    stop();
    expect(client.duplicate).not.toHaveBeenCalled();
  });

  // Defect: a listener removed before the pub/sub connection was up left the channel subscribed, and a listener
  // added again subscribed it a second time: every message then reached each listener twice.
  it('delivers each message once after a listener left and came back before the connection was up', async () => {
    const { client, listeners, deliver, connect } = clients();
    const coordinator = createRedisCoordinator({ client });
    const first = vi.fn();
    const second = vi.fn();
    coordinator.subscribe('test:channel', first)();
    const stop = coordinator.subscribe('test:channel', second);
    connect();
    await flush();
    deliver('test:channel', 'hello');
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledTimes(1);
    stop();
    await flush();
    expect(listeners.has('test:channel')).toBe(false);
    await coordinator.dispose();
  });

  // Same defect, without a comeback: the channel stayed subscribed with no listener.
  it('does not subscribe a channel whose only listener left before the connection was up', async () => {
    const { client, listeners, connect } = clients();
    const coordinator = createRedisCoordinator({ client });
    coordinator.subscribe('test:channel', () => {})();
    connect();
    await flush();
    expect(listeners.has('test:channel')).toBe(false);
    await coordinator.dispose();
  });
});
