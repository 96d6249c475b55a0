import type { ClassifiedError, Classifier } from '../classify/types.js';

/**
 * Wraps a classifier so each thrown object is classified once per policy (the breaker's failure filter, the
 * attempt and the retry decision all ask about the same error).
 */
export function cachedClassifier(classify: Classifier): Classifier {
  const cache = new WeakMap<object, ClassifiedError>();
  return (error: unknown): ClassifiedError => {
    if (typeof error !== 'object' || error === null) return classify(error);
    const hit = cache.get(error);
    if (hit !== undefined) return hit;
    const classified = classify(error);
    cache.set(error, classified);
    return classified;
  };
}
