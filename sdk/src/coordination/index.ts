/**
 * `agent-resilience/redis`: fleet-wide rate limits, circuit breakers and retry budgets shared across replicas on
 * Redis (`redis` 6, the official client, is this entry's optional peer). Pass the coordinator as `shared`.
 */

export type { RedisCoordinatorOptions } from './coordinator-options.js';
export type { RedisClientLike } from './redis-client.js';
export { createRedisCoordinator, type RedisCoordinator } from './redis-coordinator.js';
