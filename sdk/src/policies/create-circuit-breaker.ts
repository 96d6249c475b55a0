import { classifyError } from '../classify/index.js';
import { cachedClassifier } from '../core/cached-classifier.js';
import { type PolicyRegistry, registerUntilDisposed } from '../core/registry.js';
import { OptionsValidator } from '../util/validate.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { type CircuitBreakerOptions, checkCircuitBreakerOptions } from './circuit-breaker-options.js';

/** Options of {@link createCircuitBreaker}. */
export interface SharedCircuitBreakerOptions extends CircuitBreakerOptions {
  /** Registry the breaker joins (the monitoring API lists it); `null` for none. @default defaultRegistry */
  readonly registry?: PolicyRegistry | null;
}

/**
 * Creates a named circuit breaker to share between policies (pass it as `circuitBreaker`), e.g. one per LLM
 * provider guarding all its models. It is also usable on its own: `breaker.execute(({ signal }) => …)`.
 * `dispose()` removes it from the registry and stops its gauge.
 */
export function createCircuitBreaker(
  name: string,
  options: SharedCircuitBreakerOptions = {},
): CircuitBreaker {
  const v = OptionsValidator.forNamed('createCircuitBreaker', name);
  const { registry, ...breakerOptions } = checkCircuitBreakerOptions(v, 'options', options, true);
  v.done();
  const breaker = new CircuitBreaker(
    name,
    breakerOptions,
    cachedClassifier(breakerOptions.classifier ?? classifyError),
  );
  registerUntilDisposed(registry, 'circuitBreaker', breaker);
  return breaker;
}
