import { POLICY_NAME_PATTERN } from '../semconv.js';
import { MAX_TIMER_MS } from './timers.js';

/**
 * `defaults` overridden by the options that are set: an option given as `undefined` keeps its default (a plain
 * spread would replace the default with `undefined`).
 */
export function withDefaults<D extends object, O extends object>(defaults: D, options: O | undefined): D & O {
  const set = Object.entries(options ?? {}).filter(([, value]) => value !== undefined);
  return { ...defaults, ...Object.fromEntries(set) } as D & O;
}

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

/** The bounds `OptionsValidator.number` checks. */
export interface NumberConstraint {
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
  /** The value must be given: `undefined` fails (reported as `got undefined`, a type problem). */
  readonly required?: boolean;
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
  /** Problems found so far; shared with the validators made by {@link at}. */
  private found: { readonly problems: string[]; typeProblem: boolean } = {
    problems: [],
    typeProblem: false,
  };
  /** Path every option path is under (`''` for the factory's own options). */
  private prefix = '';

  /** @param subject What is being configured, used as the message prefix. */
  constructor(private readonly subject: string) {}

  /**
   * A validator for the options under `path` (e.g. `tools` of `createAgent`) that records into this one: its
   * paths are reported under `path`, and its own options object (path `''`) as `path` itself.
   */
  at(path: string): OptionsValidator {
    const nested = new OptionsValidator(this.subject);
    nested.found = this.found;
    nested.prefix = this.full(path);
    return nested;
  }

  private full(path: string): string {
    if (this.prefix === '') return path;
    return path === '' ? this.prefix : `${this.prefix}.${path}`;
  }

  /**
   * A validator for a factory that takes a user-supplied name first, e.g. `createPolicy("llm")`, with that name
   * already checked against {@link POLICY_NAME_PATTERN} (as option `name`).
   */
  static forNamed(factory: string, name: unknown): OptionsValidator {
    const v = new OptionsValidator(`${factory}(${typeof name === 'string' ? describeValue(name) : '…'})`);
    v.name('name', name);
    return v;
  }

  /** Records a problem directly. */
  fail(path: string, constraint: string, value: unknown, isTypeProblem = false): void {
    this.found.problems.push(`${this.full(path)} must be ${constraint}, got ${describeValue(value)}`);
    if (isTypeProblem) this.found.typeProblem = true;
  }

  /** Checks a number; `undefined` passes unless `c.required`. Returns whether it is valid. */
  number(path: string, value: unknown, c: NumberConstraint = {}): boolean {
    if (value === undefined && c.required !== true) return true;
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
  delay(
    path: string,
    value: unknown,
    c: { readonly min?: number; readonly above?: number; readonly required?: boolean } = {},
  ): boolean {
    const lower = c.above === undefined ? { min: c.min ?? 0 } : { above: c.above };
    return this.number(path, value, { ...lower, max: MAX_TIMER_MS, required: c.required ?? false });
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

  /**
   * Checks an optional instance of `type`, described as `label` (e.g. `a PolicyRegistry`); with `nullable`,
   * `null` passes too (and the constraint reads `<label> or null`).
   */
  instance(
    path: string,
    value: unknown,
    type: abstract new (...args: never[]) => unknown,
    label: string,
    { nullable = false }: { readonly nullable?: boolean } = {},
  ): boolean {
    if (value === undefined || value instanceof type || (nullable && value === null)) return true;
    this.fail(path, nullable ? `${label} or null` : label, value, true);
    return false;
  }

  /** Checks that a value is one of a closed set; `undefined` passes unless `required`. */
  oneOf<T extends string>(
    path: string,
    value: unknown,
    allowed: readonly T[],
    { required = false }: { readonly required?: boolean } = {},
  ): value is T | undefined {
    if (
      (value === undefined && !required) ||
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
   * (or an empty one) so callers can go on checking fields. The path `''` is the factory's options object,
   * reported as `options`.
   */
  object(path: string, value: unknown, known: readonly string[]): Record<string, unknown> {
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(this.full(path) === '' ? 'options' : path, 'an object', value, true);
      return {};
    }
    const under = this.full(path);
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        this.found.problems.push(
          `${under ? `${under}.` : ''}${key} is not a known option (known: ${known.join(', ')})`,
        );
      }
    }
    return value as Record<string, unknown>;
  }

  /** True when nothing failed so far. */
  get ok(): boolean {
    return this.found.problems.length === 0;
  }

  /** Throws the collected problems, if any. */
  done(): void {
    if (this.found.problems.length === 0) return;
    const message = `Invalid options for ${this.subject}: ${this.found.problems.join('; ')}`;
    throw this.found.typeProblem ? new TypeError(message) : new RangeError(message);
  }
}
