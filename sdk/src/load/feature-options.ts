import type { ClassifiedError } from '../classify/types.js';
import { ERROR_CATEGORIES, type ErrorCategory } from '../semconv.js';
import type { OptionsValidator } from '../util/validate.js';

/** Settings of one degradable feature. */
export interface FeatureOptions<T> {
  /** What the feature serves while disabled (and, unless `rethrow`, when it fails). Required. */
  readonly fallback: T;
  /** Errors within `windowMs` that disable the feature automatically, >= 1. @default 5 */
  readonly errorThreshold?: number;
  /** Window the errors are counted over, in ms. @default 60000 */
  readonly windowMs?: number;
  /** How long an automatic disable lasts before the feature is tried again, in ms. @default 30000 */
  readonly cooldownMs?: number;
  /** Which errors count towards `errorThreshold`. @default every category except `cancelled` */
  readonly countErrors?: readonly ErrorCategory[] | ((error: ClassifiedError) => boolean);
  /** Rethrow the feature's errors instead of serving the fallback. @default false */
  readonly rethrow?: boolean;
  /** Start disabled (as if disabled by hand). @default false */
  readonly disabled?: boolean;
}

/** Defaults of {@link FeatureOptions}. */
export const FEATURE_DEFAULTS = Object.freeze({
  errorThreshold: 5,
  windowMs: 60_000,
  cooldownMs: 30_000,
  rethrow: false,
  disabled: false,
});

/** Validates feature options into `v`. */
export function checkFeatureOptions(v: OptionsValidator, options: unknown): void {
  const o = v.object('options', options, [
    'fallback',
    'errorThreshold',
    'windowMs',
    'cooldownMs',
    'countErrors',
    'rethrow',
    'disabled',
  ]);
  if (!('fallback' in o))
    v.fail('options.fallback', 'set (the value served while the feature is off)', undefined, true);
  v.number('options.errorThreshold', o.errorThreshold, { min: 1, integer: true });
  v.delay('options.windowMs', o.windowMs, { above: 0 });
  v.delay('options.cooldownMs', o.cooldownMs, { above: 0 });
  const count = o.countErrors;
  if (Array.isArray(count))
    for (const [i, c] of count.entries()) v.oneOf(`options.countErrors[${i}]`, c, ERROR_CATEGORIES);
  else v.func('options.countErrors', count);
  v.boolean('options.rethrow', o.rethrow);
  v.boolean('options.disabled', o.disabled);
}
