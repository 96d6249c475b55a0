export { classifyError, createClassifier } from './classifier.js';
export { CLASSIFY_DEFAULTS } from './defaults.js';
export {
  ErrorAggregator,
  type ErrorAggregatorOptions,
  type PatternThreshold,
} from './error-aggregator.js';
export { getHeader, type HeaderSource } from './headers.js';
export { isClassifiedError } from './is-classified-error.js';
export { redact } from './redact.js';
export { type RetryAfterSources, retryAfterMs } from './retry-after.js';
export { CATEGORY_DEFAULTS } from './taxonomy.js';
export type {
  CategoryDefaults,
  ClassificationRule,
  ClassifiedError,
  Classifier,
  ClassifierOptions,
  ErrorClass,
} from './types.js';
