import { classifyError } from '../classify/index.js';
import { cachedClassifier } from '../core/cached-classifier.js';
import { registerUntilDisposed } from '../core/registry.js';
import { OptionsValidator } from '../util/validate.js';
import { RecoveryManager } from './recovery-manager.js';
import { checkRecoveryOptions, type SharedRecoveryOptions } from './recovery-options.js';

/**
 * Creates a recovery manager for one downstream, to share between its policies (`createPolicy(name,
 * { recovery })`) or to use on its own (`manager.execute(fn)`).
 *
 * @example
 * const openai = createRecoveryManager('openai', {
 *   healthCheck: async ({ signal }) => (await fetch('https://status.example/ok', { signal })).ok,
 *   circuitBreaker: openaiBreaker,
 *   ramp: { kind: 'slow_start', windowMs: 60_000, aggression: 1.5, minWeightPercent: 10 },
 * });
 */
export function createRecoveryManager(name: string, options: SharedRecoveryOptions = {}): RecoveryManager {
  const v = OptionsValidator.forNamed('createRecoveryManager', name);
  checkRecoveryOptions(v, '', options, true);
  v.done();
  const manager = new RecoveryManager(name, options, cachedClassifier(options.classifier ?? classifyError));
  registerUntilDisposed(options.registry, 'recovery', manager);
  return manager;
}
