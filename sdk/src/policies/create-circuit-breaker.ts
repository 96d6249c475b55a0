import { classifyError } from '../classify/index.js';
import { cachedClassifier } from '../core/cached-classifier.js';
import { registerUntilDisposed } from '../core/registry.js';
import { OptionsValidator } from '../util/validate.js';
import { CircuitBreaker } from './circuit-breaker.js';
import {
  NAMED_CIRCUIT_BREAKER_DEFAULTS,
  type NamedCircuitBreakerOptions,
} from './circuit-breaker-named-options.js';
import { type CircuitBreakerOptions, checkCircuitBreakerOptions } from './circuit-breaker-options.js';

/** Options of {@link createCircuitBreaker}. */
export interface SharedCircuitBreakerOptions extends CircuitBreakerOptions, NamedCircuitBreakerOptions {}

/**
 * Creates a named circuit breaker to share between policies (pass it as `circuitBreaker`), e.g. one per LLM
 * provider guarding all its models. It is also usable on its own: `breaker.execute(({ signal }) => …)`. With
 * `shared` (a fleet coordinator) its state is shared by every replica of the service.
 * `dispose()` removes it from the registry, stops its gauge and leaves its fleet.
 */
export function createCircuitBreaker(
  name: string,
  options: SharedCircuitBreakerOptions = {},
): CircuitBreaker {
  const v = OptionsValidator.forNamed('createCircuitBreaker', name);
  const { registry, shared, probeTimeoutMs, ...breakerOptions } = checkCircuitBreakerOptions(
    v,
    'options',
    options,
    true,
  );
  v.done();
  const fleet =
    shared === undefined
      ? undefined
      : {
          coordinator: shared,
          probeTimeoutMs: probeTimeoutMs ?? NAMED_CIRCUIT_BREAKER_DEFAULTS.probeTimeoutMs,
        };
  const breaker = new CircuitBreaker(
    name,
    breakerOptions,
    cachedClassifier(breakerOptions.classifier ?? classifyError),
    fleet,
  );
  registerUntilDisposed(registry, 'circuitBreaker', breaker);
  return breaker;
}
