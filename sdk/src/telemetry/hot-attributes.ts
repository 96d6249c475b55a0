import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_RESILIENCE_ATTEMPT_KIND,
  ATTR_RESILIENCE_ATTEMPT_NUMBER,
  ATTR_RESILIENCE_OUTCOME,
  ATTR_RESILIENCE_POLICY,
} from '../semconv.js';

/**
 * The attribute sets of a policy's success path, built once: recording a successful call must not build keys
 * or objects (the OTel SDK already hashes attributes on every record).
 */
export class HotAttributes {
  /** {@link METRICS}.callDuration of a successful call. */
  readonly callSuccess: Attributes;
  /** {@link METRICS}.attemptDuration of a successful original attempt, retry and hedge (see {@link attemptIndex}). */
  readonly attemptSuccess: readonly [Attributes, Attributes, Attributes];
  /** Attributes of the span of an original attempt (attempt 0). */
  readonly originalAttemptSpan: Attributes;

  constructor(policy: string) {
    const base = { [ATTR_RESILIENCE_POLICY]: policy };
    this.callSuccess = Object.freeze({ ...base, [ATTR_RESILIENCE_OUTCOME]: 'success' });
    this.attemptSuccess = Object.freeze([
      Object.freeze({
        ...base,
        [ATTR_RESILIENCE_ATTEMPT_KIND]: 'original',
        [ATTR_RESILIENCE_OUTCOME]: 'success',
      }),
      Object.freeze({
        ...base,
        [ATTR_RESILIENCE_ATTEMPT_KIND]: 'retry',
        [ATTR_RESILIENCE_OUTCOME]: 'success',
      }),
      Object.freeze({
        ...base,
        [ATTR_RESILIENCE_ATTEMPT_KIND]: 'hedge',
        [ATTR_RESILIENCE_OUTCOME]: 'success',
      }),
    ]);
    this.originalAttemptSpan = Object.freeze({
      ...base,
      [ATTR_RESILIENCE_ATTEMPT_NUMBER]: 0,
      [ATTR_RESILIENCE_ATTEMPT_KIND]: 'original',
    });
  }
}
