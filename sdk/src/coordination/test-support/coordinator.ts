/** A connected coordinator for the fleet tests, replica scripts and cost measurements of every shared piece. */
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
