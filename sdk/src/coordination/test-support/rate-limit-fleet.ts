/** Helpers of the shared rate limiter's tests, replica script and cost measurement. */
import type { RedisCoordinatorOptions } from '../coordinator-options.js';
import { createRedisCoordinator, type RedisCoordinator } from '../redis-coordinator.js';

/** A coordinator once it is connected (checked every 5 ms, for at most 5 s; then it throws). */
export async function connectedCoordinator(options: RedisCoordinatorOptions): Promise<RedisCoordinator> {
  const coordinator = createRedisCoordinator(options);
  for (let turn = 0; turn < 1_000 && coordinator.state !== 'connected'; turn++) {
    await new Promise(resolve => setTimeout(resolve, 5));
  }
  if (coordinator.state !== 'connected') {
    await coordinator.dispose();
    throw new Error('the coordinator did not connect to Redis within 5 s');
  }
  return coordinator;
}

/** The limiter of seed 000: 10 messages per 10 s per conversation thread. */
export const PER_THREAD = Object.freeze({ kind: 'sliding_window', limit: 10, intervalMs: 10_000 } as const);
