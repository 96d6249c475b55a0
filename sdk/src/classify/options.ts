import { ERROR_CATEGORIES, type ErrorCategory, SEVERITIES } from '../semconv.js';
import { OptionsValidator } from '../util/validate.js';
import { CLASSIFY_DEFAULTS } from './defaults.js';
import { isObject } from './facts.js';
import { mergeCategoryDefaults } from './taxonomy.js';
import type { CategoryDefaults, ClassifierOptions } from './types.js';
import { type CompiledRule, compileRules } from './user-rules.js';

/** {@link ClassifierOptions} validated and defaulted. */
export interface ResolvedClassifierOptions {
  readonly rules: readonly CompiledRule[];
  readonly defaults: Readonly<Record<ErrorCategory, CategoryDefaults>>;
  readonly retryAfterCapMs: number;
}

const OPTION_KEYS = ['rules', 'defaults', 'retryAfterCapMs'] as const;
const DEFAULT_KEYS = ['severity', 'retryable', 'userMessage'] as const;

/**
 * Validates {@link ClassifierOptions}, throwing one `TypeError` (a value of the wrong type) or `RangeError`
 * listing every problem, each naming the option, the constraint and the value.
 */
export function resolveClassifierOptions(options: unknown = {}): ResolvedClassifierOptions {
  const v = new OptionsValidator('createClassifier');
  if (!isObject(options) || Array.isArray(options)) {
    v.fail('options', 'an object', options, true);
    v.done();
  }
  const o = v.object('', options, OPTION_KEYS);
  const rules = compileRules(o.rules, v);
  const defaults = v.object('defaults', o.defaults, ERROR_CATEGORIES);
  for (const [category, value] of Object.entries(defaults)) {
    const path = `defaults.${category}`;
    const d = v.object(path, value, DEFAULT_KEYS);
    v.oneOf(`${path}.severity`, d.severity, SEVERITIES);
    v.boolean(`${path}.retryable`, d.retryable);
    if (d.userMessage !== undefined && (typeof d.userMessage !== 'string' || d.userMessage === ''))
      v.fail(`${path}.userMessage`, 'a non-empty string', d.userMessage, true);
  }
  v.delay('retryAfterCapMs', o.retryAfterCapMs);
  v.done();
  const typed = options as ClassifierOptions;
  return {
    rules,
    defaults: mergeCategoryDefaults(typed.defaults),
    retryAfterCapMs: typed.retryAfterCapMs ?? CLASSIFY_DEFAULTS.retryAfterCapMs,
  };
}
