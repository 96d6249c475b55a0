/**
 * Arbitraries for property tests of options validation: a small schema of a factory's options (which values each
 * option accepts and which it must refuse) generates valid options, options with one option made invalid, and
 * options with one option replaced by anything; {@link checkConstruction} asserts what construction may do.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { ERROR_CATEGORIES } from '../semconv.js';
import { MAX_TIMER_MS } from '../util/timers.js';
import type { NumberConstraint } from '../util/validate.js';

/** One option: the values it accepts and values it must refuse (none: any value is accepted). */
export interface Leaf {
  readonly kind: 'leaf';
  readonly valid: fc.Arbitrary<unknown>;
  readonly invalid: fc.Arbitrary<unknown> | undefined;
  readonly required: boolean;
}

/** An options object: its fields, and a fix-up that makes generated values meet cross-field rules. */
export interface Group {
  readonly kind: 'group';
  readonly fields: Readonly<Record<string, Spec>>;
  readonly required: boolean;
  readonly fix?: (options: Record<string, unknown>) => Record<string, unknown>;
}

export type Spec = Leaf | Group;

export const leaf = (valid: fc.Arbitrary<unknown>, invalid?: fc.Arbitrary<unknown>): Leaf => ({
  kind: 'leaf',
  valid,
  invalid,
  required: false,
});

export const group = (fields: Group['fields'], fix?: Group['fix']): Group => ({
  kind: 'group',
  fields,
  required: false,
  ...(fix === undefined ? {} : { fix }),
});

/** The same option, required. */
export const required = <S extends Spec>(spec: S): S => ({ ...spec, required: true });

/** Values of the wrong type for any option that is not `unknown`. */
export const WRONG_TYPES: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.bigInt({ min: 0n, max: 10n }),
);

/** A number option with the validator's constraint. */
export function num(range: NumberConstraint): Leaf {
  const { integer = false, allowInfinity = false } = range;
  const lower = range.min ?? range.above;
  const upper = range.max ?? range.below;
  const valid = integer
    ? fc.integer({
        min: range.min ?? (range.above === undefined ? Number.MIN_SAFE_INTEGER : range.above + 1),
        max: range.max ?? (range.below === undefined ? Number.MAX_SAFE_INTEGER : Math.ceil(range.below) - 1),
      })
    : fc.double({
        min: lower ?? -Number.MAX_VALUE,
        max: upper ?? Number.MAX_VALUE,
        minExcluded: range.above !== undefined,
        maxExcluded: range.below !== undefined,
        noNaN: true,
        noDefaultInfinity: true,
      });
  const invalid: fc.Arbitrary<unknown>[] = [
    fc.constantFrom(Number.NaN, Number.NEGATIVE_INFINITY),
    WRONG_TYPES,
  ];
  if (!allowInfinity) invalid.push(fc.constant(Number.POSITIVE_INFINITY));
  const step = (x: number) => (integer ? 1 : Math.max(Math.abs(x) * Number.EPSILON * 2, Number.MIN_VALUE));
  if (range.min !== undefined) invalid.push(fc.constant(range.min - step(range.min)));
  if (range.above !== undefined) invalid.push(fc.constant(range.above));
  if (range.max !== undefined) invalid.push(fc.constant(range.max + step(range.max)));
  if (range.below !== undefined) invalid.push(fc.constant(range.below));
  if (lower !== undefined) {
    const tooLow = (x: number) => (range.min === undefined ? x <= lower : x < lower);
    invalid.push(fc.double({ max: lower, noNaN: true, noDefaultInfinity: true }).filter(tooLow));
  }
  if (upper !== undefined) {
    const tooHigh = (x: number) => (range.max === undefined ? x >= upper : x > upper);
    invalid.push(fc.double({ min: upper, noNaN: true, noDefaultInfinity: true }).filter(tooHigh));
  }
  if (integer) {
    invalid.push(
      fc.double({
        min: lower ?? -1e9,
        max: upper ?? 1e9,
        noInteger: true,
        noNaN: true,
        noDefaultInfinity: true,
      }),
    );
  }
  return leaf(
    allowInfinity ? fc.oneof(valid, fc.constant(Number.POSITIVE_INFINITY)) : valid,
    fc.oneof(...invalid),
  );
}

/** A delay in ms: `>= 0` (or `> above`), at most {@link MAX_TIMER_MS}. */
export const delay = (above?: number): Leaf =>
  num(above === undefined ? { min: 0, max: MAX_TIMER_MS } : { above, max: MAX_TIMER_MS });

/** A boolean option. */
export const bool = (): Leaf => leaf(fc.boolean(), fc.oneof(WRONG_TYPES, fc.constantFrom(0, 1)));

/** A function option. */
export const func = (returns: fc.Arbitrary<unknown> = fc.constant(undefined)): Leaf =>
  leaf(fc.func(returns), fc.oneof(WRONG_TYPES, fc.integer()));

/** One of a closed set of strings. */
export const oneOf = (...allowed: readonly string[]): Leaf =>
  leaf(
    fc.constantFrom(...allowed),
    fc.oneof(
      WRONG_TYPES.filter(v => !allowed.includes(v as string)),
      fc.integer(),
    ),
  );

/** An array of error categories. */
export const categories = (): Leaf =>
  leaf(
    fc.uniqueArray(fc.constantFrom(...ERROR_CATEGORIES), { maxLength: 4 }),
    fc.oneof(
      fc.constant('server_error'),
      fc.constant(['server_eror']),
      fc.constant([null]),
      fc.constant({}),
      fc.constant(3),
    ),
  );

/** A set of instances (made fresh for each run) or `null`. */
export const instanceOrNull = (make: () => unknown): Leaf =>
  leaf(
    fc.oneof(fc.constant(null), fc.constant(0).map(make)),
    fc.oneof(fc.string({ maxLength: 4 }), fc.constant({}), fc.constant([]), fc.integer()),
  );

/** Valid options of `spec`. */
export function validOf(spec: Spec): fc.Arbitrary<unknown> {
  if (spec.kind === 'leaf') return spec.valid;
  const entries = Object.entries(spec.fields);
  const record = fc.record(Object.fromEntries(entries.map(([key, s]) => [key, validOf(s)])), {
    requiredKeys: entries.filter(([, s]) => s.required).map(([key]) => key),
  }) as fc.Arbitrary<Record<string, unknown>>;
  return spec.fix === undefined ? record : record.map(spec.fix);
}

/** What a nested options object must not be. */
const NOT_AN_OBJECT = fc.oneof(fc.constant(null), fc.string({ maxLength: 4 }), fc.integer(), fc.constant([]));

/** An option somewhere in a spec: its dotted path, the groups on the way to it, and what it takes. */
interface Site {
  readonly path: readonly string[];
  readonly groups: readonly Group[];
  readonly leaf: Leaf;
}

/** Every option of `spec`, nested objects included (as options that must be objects). */
function sites(spec: Group, path: readonly string[] = [], groups: readonly Group[] = []): Site[] {
  return Object.entries(spec.fields).flatMap(([key, s]): Site[] => {
    const here = [...path, key];
    if (s.kind === 'leaf') return [{ path: here, groups, leaf: s }];
    return [{ path: here, groups, leaf: leaf(validOf(s), NOT_AN_OBJECT) }, ...sites(s, here, [...groups, s])];
  });
}

/**
 * `options` (a copy) with `value` at `path`; a missing object on the way is filled with a valid one (`fillers`),
 * so the replaced option is the only thing wrong.
 */
function withValue(options: unknown, path: readonly string[], fillers: readonly unknown[], value: unknown) {
  const root: Record<string, unknown> = { ...(options as object) };
  let node = root;
  path.slice(0, -1).forEach((key, i) => {
    const next = node[key];
    const isObject = typeof next === 'object' && next !== null && !Array.isArray(next);
    node[key] = { ...(isObject ? next : (fillers[i] as object)) };
    node = node[key] as Record<string, unknown>;
  });
  node[path[path.length - 1] as string] = value;
  return root;
}

/** Valid options with one option (anywhere in `spec`) replaced by a value from `replace(leaf)`. */
function withOneReplaced(
  spec: Group,
  replace: (leaf: Leaf) => fc.Arbitrary<unknown> | undefined,
): fc.Arbitrary<{ readonly options: Record<string, unknown>; readonly path: string }> {
  const replaceable = sites(spec).flatMap(site => {
    const value = replace(site.leaf);
    return value === undefined ? [] : [{ ...site, value }];
  });
  return fc.constantFrom(...replaceable).chain(site =>
    fc
      .tuple(validOf(spec), fc.tuple(...site.groups.map(validOf)), site.value)
      .map(([valid, fillers, value]) => ({
        options: withValue(valid, site.path, fillers, value),
        path: site.path.join('.'),
      })),
  );
}

/** How many options (nested objects included) `spec` has: a property should sample each several times. */
export const optionCount = (spec: Group): number => sites(spec).length;

/** Valid options with exactly one option made invalid, and its path. */
export const oneInvalid = (spec: Group) => withOneReplaced(spec, l => l.invalid);

/** Valid options with one option replaced by anything, and its path. */
export const oneAnything = (spec: Group) => withOneReplaced(spec, () => fc.anything());

/** How construction ended: `undefined` when it succeeded, else what it threw. */
export function construct(make: () => unknown): unknown {
  let made: unknown;
  try {
    made = make();
  } catch (error) {
    return error === undefined ? new Error('threw undefined') : error;
  }
  (made as { dispose?: () => void } | undefined)?.dispose?.();
  return undefined;
}

/**
 * Asserts that `error` is a refusal by options validation: a TypeError or RangeError starting `Invalid options
 * for`, naming `path` when given (and never anything else: no crash from deeper down).
 */
export function expectRefusal(error: unknown, path?: string): void {
  expect(error, 'construction must throw').toBeDefined();
  expect([TypeError, RangeError]).toContain((error as object).constructor);
  const message = (error as Error).message;
  expect(message.startsWith('Invalid options for ')).toBe(true);
  expect(message).toMatch(/ (must be .+, got |is not a known option)/);
  if (path !== undefined) expect(message).toContain(path);
}

/** Asserts that construction either succeeded or was refused by options validation naming `path`. */
export function expectConstructedOrRefused(error: unknown, path?: string): void {
  if (error !== undefined) expectRefusal(error, path);
}
