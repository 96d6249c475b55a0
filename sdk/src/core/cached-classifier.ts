import { sanitizeClassification } from '../classify/classification.js';
import type { ClassifiedError, Classifier } from '../classify/types.js';

/**
 * Wraps a classifier so each thrown object is classified once per policy (the breaker's failure filter, the
 * attempt and the retry decision all ask about the same error), and so what a custom classifier returns is as
 * safe as the built-in classifications: redacted, sanitized, `cause` not enumerable (a custom classifier that
 * copies `error.message` must not put a secret into `ResilienceError.message`, its JSON or a span).
 */
export function cachedClassifier(classify: Classifier): Classifier {
  const cache = new WeakMap<object, ClassifiedError>();
  return (error: unknown): ClassifiedError => {
    if (typeof error !== 'object' || error === null) return sanitizeClassification(classify(error), error);
    const hit = cache.get(error);
    if (hit !== undefined) return hit;
    const classified = sanitizeClassification(classify(error), error);
    cache.set(error, classified);
    return classified;
  };
}
