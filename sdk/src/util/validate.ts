import { POLICY_NAME_PATTERN } from '../semconv.js';
import { MAX_TIMER_MS } from './timers.js';

/** Renders a received value for an error message: `-1`, `NaN`, `"abc"`, `an object`, `undefined`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof RegExp) return String(value);
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

interface NumberConstraint {
  /** Inclusive lower bound. */
  readonly min?: number;
  /** Exclusive lower bound. */
  readonly above?: number;
  /** Inclusive upper bound. */
  readonly max?: number;
  /** Exclusive upper bound. */
  readonly below?: number;
  /** Must be an integer (Infinity allowed only with `allowInfinity`). */
  readonly integer?: boolean;
  readonly allowInfinity?: boolean;
}

function constraintText(c: NumberConstraint): string {
  const parts: string[] = [];
  if (c.integer) parts.push('an integer');
  else parts.push('a number');
  if (c.above !== undefined && c.max !== undefined) parts.push(`in (${c.above}, ${c.max}]`);
  else if (c.above !== undefined && c.below !== undefined) parts.push(`in (${c.above}, ${c.below})`);
  else if (c.min !== undefined && c.max !== undefined) parts.push(`in [${c.min}, ${c.max}]`);
  else if (c.min !== undefined && c.below !== undefined) parts.push(`in [${c.min}, ${c.below})`);
  else {
    if (c.min !== undefined) parts.push(`>= ${c.min}`);
    if (c.above !== undefined) parts.push(`> ${c.above}`);
    if (c.max !== undefined) parts.push(`<= ${c.max}`);
    if (c.below !== undefined) parts.push(`< ${c.below}`);
  }
  if (c.allowInfinity) parts.push('(or Infinity)');
  return parts.join(' ');
}

/**
 * Collects every problem with a set of options, then throws one error listing them all: a `TypeError` if any
 * value has the wrong type, a `RangeError` otherwise. Each line names the option, the constraint and the value.
 *
 * @example
 * const v = new OptionsValidator('createPolicy("llm")');
 * v.number('retry.maxRetries', 3, { min: 0, integer: true });
 * v.done();
 */
export class OptionsValidator {
  private readonly problems: string[] = [];
  private typeProblem = false;

  /** @param subject What is being configured, used as the message prefix. */
  constructor(private readonly subject: string) {}

  /**
   * A validator for a factory that takes a user-supplied name first, e.g. `createPolicy("llm")`, with that name
   * already checked against {@link POLICY_NAME_PATTERN} (as option `name`).
   */
  static forNamed(factory: string, name: unknown): OptionsValidator {
    const v = new OptionsValidator(`${factory}(${typeof name === 'string' ? JSON.stringify(name) : '…'})`);
    v.name('name', name);
    return v;
  }

  /** Records a problem directly. */
  fail(path: string, constraint: string, value: unknown, isTypeProblem = false): void {
    this.problems.push(`${path} must be ${constraint}, got ${describeValue(value)}`);
    if (isTypeProblem) this.typeProblem = true;
  }

  /** Checks an optional number; `undefined` passes. Returns whether it is valid. */
  number(path: string, value: unknown, c: NumberConstraint = {}): boolean {
    if (value === undefined) return true;
    if (typeof value !== 'number') {
      this.fail(path, constraintText(c), value, true);
      return false;
    }
    const infinite = value === Number.POSITIVE_INFINITY && c.allowInfinity === true;
    const bad =
      Number.isNaN(value) ||
      (!Number.isFinite(value) && !infinite) ||
      (c.integer === true && !infinite && !Number.isInteger(value)) ||
      (c.min !== undefined && value < c.min) ||
      (c.above !== undefined && value <= c.above) ||
      (c.max !== undefined && value > c.max) ||
      (c.below !== undefined && value >= c.below);
    if (bad) this.fail(path, constraintText(c), value);
    return !bad;
  }

  /**
   * Checks an optional delay or duration in milliseconds: a number `>= 0` (or `> above`) and at most
   * {@link MAX_TIMER_MS}, the largest delay a timer honours (a larger one fires after ~1 ms in Node).
   */
  delay(path: string, value: unknown, c: { readonly min?: number; readonly above?: number } = {}): boolean {
    const lower = c.above === undefined ? { min: c.min ?? 0 } : { above: c.above };
    return this.number(path, value, { ...lower, max: MAX_TIMER_MS });
  }

  /** Checks an optional boolean. */
  boolean(path: string, value: unknown): boolean {
    if (value === undefined || typeof value === 'boolean') return true;
    this.fail(path, 'a boolean', value, true);
    return false;
  }

  /** Checks an optional function. */
  func(path: string, value: unknown): boolean {
    if (value === undefined || typeof value === 'function') return true;
    this.fail(path, 'a function', value, true);
    return false;
  }

  /** Checks that an optional value is one of a closed set. */
  oneOf<T extends string>(path: string, value: unknown, allowed: readonly T[]): value is T | undefined {
    if (
      value === undefined ||
      (typeof value === 'string' && (allowed as readonly string[]).includes(value))
    ) {
      return true;
    }
    this.fail(
      path,
      `one of ${allowed.map(a => JSON.stringify(a)).join(', ')}`,
      value,
      typeof value !== 'string',
    );
    return false;
  }

  /** Checks a required user-supplied name against {@link POLICY_NAME_PATTERN}. */
  name(path: string, value: unknown): boolean {
    if (typeof value === 'string' && POLICY_NAME_PATTERN.test(value)) return true;
    this.fail(path, `a string of 1-64 characters from [A-Za-z0-9_.:-]`, value, typeof value !== 'string');
    return false;
  }

  /**
   * Checks that `value` is a plain object (or undefined) without keys outside `known`. Returns the object
   * (or an empty one) so callers can go on checking fields.
   */
  object(path: string, value: unknown, known: readonly string[]): Record<string, unknown> {
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(path, 'an object', value, true);
      return {};
    }
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        this.problems.push(
          `${path ? `${path}.` : ''}${key} is not a known option (known: ${known.join(', ')})`,
        );
      }
    }
    return value as Record<string, unknown>;
  }

  /** True when nothing failed so far. */
  get ok(): boolean {
    return this.problems.length === 0;
  }

  /** Throws the collected problems, if any. */
  done(): void {
    if (this.problems.length === 0) return;
    const message = `Invalid options for ${this.subject}: ${this.problems.join('; ')}`;
    throw this.typeProblem ? new TypeError(message) : new RangeError(message);
  }
}
