import { ERROR_CATEGORIES, SEVERITIES } from '../semconv.js';
import { safelyGet } from '../util/safely.js';
import type { OptionsValidator } from '../util/validate.js';
import { CLASSIFY_DEFAULTS } from './defaults.js';
import { type ErrorFacts, isObject, prop } from './facts.js';
import type { Verdict } from './internal-types.js';
import type { ClassificationRule, ErrorClass } from './types.js';

/** A validated user rule, ready to match. */
export interface CompiledRule {
  readonly label: string;
  readonly matches: (facts: ErrorFacts) => boolean;
  readonly verdict: Verdict;
}

const RULE_KEYS = [
  'name',
  'errorClass',
  'status',
  'code',
  'message',
  'test',
  'category',
  'severity',
  'retryable',
  'errorType',
  'userMessage',
] as const;
const MATCHERS = ['errorClass', 'status', 'code', 'message', 'test'] as const;
const STATUS = { min: 100, max: 599, integer: true } as const;

/** Validates user rules (recording every problem in `v`) and compiles the valid ones. */
export function compileRules(rules: unknown, v: OptionsValidator): CompiledRule[] {
  if (rules === undefined) return [];
  if (!Array.isArray(rules)) {
    v.fail('rules', 'an array of rules', rules, true);
    return [];
  }
  const compiled: CompiledRule[] = [];
  rules.forEach((rule: unknown, index) => {
    const name = prop(rule, 'name');
    const path = typeof name === 'string' ? `rules[${index}](${JSON.stringify(name)})` : `rules[${index}]`;
    const r = v.object(path, rule, RULE_KEYS);
    if (!isObject(rule)) return;
    checkRule(path, r, v);
    // Once anything failed, the classifier is not built: compiling would be wasted.
    if (v.ok) compiled.push(compileRule(path, rule as ClassificationRule));
  });
  return compiled;
}

function checkRule(path: string, r: Record<string, unknown>, v: OptionsValidator): void {
  if (r.name !== undefined && (typeof r.name !== 'string' || r.name === ''))
    v.fail(`${path}.name`, 'a non-empty string', r.name, true);
  if (r.category === undefined)
    v.fail(`${path}.category`, `one of ${quoted(ERROR_CATEGORIES)}`, undefined, true);
  else v.oneOf(`${path}.category`, r.category, ERROR_CATEGORIES);
  if (MATCHERS.every(key => r[key] === undefined))
    v.fail(path, `a rule with at least one matcher (${MATCHERS.join(', ')})`, r, true);
  if (r.errorClass !== undefined && typeof r.errorClass !== 'function' && !nonEmpty(r.errorClass))
    v.fail(`${path}.errorClass`, 'a class or a non-empty class name', r.errorClass, true);
  checkStatus(`${path}.status`, r.status, v);
  checkCode(`${path}.code`, r.code, v);
  if (r.message !== undefined && !(r.message instanceof RegExp) && !nonEmpty(r.message))
    v.fail(`${path}.message`, 'a RegExp or a non-empty string', r.message, true);
  v.func(`${path}.test`, r.test);
  v.oneOf(`${path}.severity`, r.severity, SEVERITIES);
  v.boolean(`${path}.retryable`, r.retryable);
  if (r.errorType !== undefined) v.name(`${path}.errorType`, r.errorType);
  if (r.userMessage !== undefined && !nonEmpty(r.userMessage))
    v.fail(`${path}.userMessage`, 'a non-empty string', r.userMessage, true);
}

function checkStatus(path: string, status: unknown, v: OptionsValidator): void {
  if (status === undefined || typeof status === 'number') {
    v.number(path, status, STATUS);
  } else if (Array.isArray(status)) {
    if (status.length === 0) v.fail(path, 'a non-empty list of HTTP statuses', status);
    status.forEach((s: unknown, i) => {
      if (s === undefined) v.fail(`${path}[${i}]`, 'an integer in [100, 599]', s, true);
      else v.number(`${path}[${i}]`, s, STATUS);
    });
  } else if (isObject(status)) {
    const range = v.object(path, status, ['min', 'max']);
    for (const key of ['min', 'max'] as const) {
      if (range[key] === undefined) v.fail(`${path}.${key}`, 'an integer in [100, 599]', undefined, true);
      else v.number(`${path}.${key}`, range[key], STATUS);
    }
    if (typeof range.min === 'number' && typeof range.max === 'number' && range.min > range.max)
      v.fail(path, 'a range with min <= max', `${range.min}..${range.max}`);
  } else {
    v.fail(path, 'an HTTP status, a list of statuses or { min, max }', status, true);
  }
}

function checkCode(path: string, code: unknown, v: OptionsValidator): void {
  if (code === undefined || nonEmpty(code)) return;
  if (Array.isArray(code) && code.length > 0) {
    code.forEach((c: unknown, i) => {
      if (!nonEmpty(c)) v.fail(`${path}[${i}]`, 'a non-empty string', c, true);
    });
    return;
  }
  v.fail(path, 'a non-empty string or a non-empty list of them', code, true);
}

function compileRule(label: string, rule: ClassificationRule): CompiledRule {
  const matchers: ((facts: ErrorFacts) => boolean)[] = [];
  const { errorClass, status, code, message, test } = rule;
  if (errorClass !== undefined) matchers.push(classMatcher(errorClass));
  if (status !== undefined) matchers.push(statusMatcher(status));
  if (code !== undefined) {
    const codes = typeof code === 'string' ? [code] : [...code];
    matchers.push(facts => chainCodes(facts).some(c => codes.includes(c)));
  }
  if (message instanceof RegExp) {
    const pattern = new RegExp(message.source, message.flags.replace(/[gy]/g, ''));
    matchers.push(facts => pattern.test(facts.message));
  } else if (message !== undefined) {
    const needle = message.toLowerCase();
    matchers.push(facts => facts.message.toLowerCase().includes(needle));
  }
  if (test !== undefined) {
    matchers.push(facts =>
      safelyGet(`classification rule ${label} test`, () => test(facts.value) === true, false),
    );
  }
  return {
    label,
    matches: facts => matchers.every(match => match(facts)),
    verdict: {
      category: rule.category,
      retryable: rule.retryable,
      severity: rule.severity,
      errorType: rule.errorType,
      userMessage: rule.userMessage,
    },
  };
}

function classMatcher(errorClass: ErrorClass | string): (facts: ErrorFacts) => boolean {
  if (typeof errorClass === 'string') return facts => facts.names.includes(errorClass);
  return facts => {
    try {
      return facts.value instanceof errorClass;
    } catch {
      return false;
    }
  };
}

function statusMatcher(status: NonNullable<ClassificationRule['status']>): (facts: ErrorFacts) => boolean {
  if (typeof status === 'number') return facts => facts.status === status;
  if (Array.isArray(status)) return facts => facts.status !== undefined && status.includes(facts.status);
  const { min, max } = status as { readonly min: number; readonly max: number };
  return facts => facts.status !== undefined && facts.status >= min && facts.status <= max;
}

/** The error's codes plus the `code` of each error down its `cause` chain (bounded, cycle-safe). */
function chainCodes(facts: ErrorFacts): string[] {
  const codes = [...facts.codes];
  const seen = new Set<unknown>([facts.value]);
  let cause = prop(facts.value, 'cause');
  for (
    let depth = 0;
    depth < CLASSIFY_DEFAULTS.maxCauseDepth && isObject(cause) && !seen.has(cause);
    depth++
  ) {
    seen.add(cause);
    const code = prop(cause, 'code');
    if (typeof code === 'string') codes.push(code);
    cause = prop(cause, 'cause');
  }
  return codes;
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function quoted(values: readonly string[]): string {
  return values.map(value => JSON.stringify(value)).join(', ');
}
