import { diag } from '@opentelemetry/api';
import { sanitizeClassification } from '../classify/classification.js';
import { classifyError } from '../classify/classifier.js';
import { isClassifiedError } from '../classify/is-classified-error.js';
import type { ClassifiedError, Classifier } from '../classify/types.js';

/**
 * Runs a user classifier defensively: one that throws, or returns something that is not a classification, is
 * reported through `diag` and replaced by the built-in `classifyError` for that error (a classifier bug must not
 * change an outcome, strand a breaker's probe slot or throw from a timer).
 */
function guarded(classify: Classifier, error: unknown): ClassifiedError {
  try {
    const classified = classify(error);
    if (isClassifiedError(classified)) return classified;
    diag.error('agent-resilience: a classifier returned something that is not a classification', classified);
  } catch (failure) {
    diag.error('agent-resilience: a classifier threw; using classifyError for this error', failure);
  }
  return classifyError(error);
}

/**
 * Wraps a classifier so each thrown object is classified once per policy (the breaker's failure filter, the
 * attempt and the retry decision all ask about the same error), so it never throws, and so what a custom
 * classifier returns is as safe as the built-in classifications: redacted, sanitized, `cause` not enumerable (a
 * custom classifier that copies `error.message` must not put a secret into `ResilienceError.message`, its JSON or a
 * span).
 */
export function cachedClassifier(classify: Classifier): Classifier {
  const cache = new WeakMap<object, ClassifiedError>();
  return (error: unknown): ClassifiedError => {
    if (typeof error !== 'object' || error === null) {
      return sanitizeClassification(guarded(classify, error), error);
    }
    const hit = cache.get(error);
    if (hit !== undefined) return hit;
    const classified = sanitizeClassification(guarded(classify, error), error);
    cache.set(error, classified);
    return classified;
  };
}
