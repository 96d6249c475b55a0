import { buildClassifier } from '../classifier.js';
import { resolveClassifierOptions } from '../options.js';
import type { Classifier, ClassifierOptions } from '../types.js';

/** The fixed "now" of the tests: 2026-11-23T12:00:00Z. */
export const NOW = Date.parse('2026-11-23T12:00:00Z');

/** A classifier whose clock is fixed at `now` (HTTP-date and RFC 3339 Retry-After values). */
export function classifierAt(now: number = NOW, options?: ClassifierOptions): Classifier {
  return buildClassifier(resolveClassifierOptions(options), () => now);
}
