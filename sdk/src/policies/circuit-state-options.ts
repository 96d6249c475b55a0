import type { OptionsValidator } from '../util/validate.js';

/** Whether `value` has the shape of `template`: same keys, same array lengths, same kinds of leaves. */
function sameShape(template: unknown, value: unknown, depth = 0): boolean {
  if (depth > 4) return false;
  if (typeof template === 'number') return typeof value === 'number' && Number.isFinite(value) && value >= 0;
  if (template === null || typeof template === 'boolean') return value === null || typeof value === 'boolean';
  if (Array.isArray(template)) {
    return (
      Array.isArray(value) &&
      value.length === template.length &&
      value.every((item, i) => sameShape(template[i], item, depth + 1))
    );
  }
  if (typeof template !== 'object' || typeof value !== 'object' || value === null || Array.isArray(value))
    return false;
  const keys = Object.keys(template);
  const record = value as Record<string, unknown>;
  return (
    Object.keys(record).length === keys.length &&
    keys.every(
      k =>
        Object.hasOwn(record, k) && sameShape((template as Record<string, unknown>)[k], record[k], depth + 1),
    )
  );
}

/**
 * Validates a saved circuit state (from `toJSON()`, as `initialState`) into `v`. It comes from storage, so
 * nothing is trusted: the saved state of a built-in breaker (`kind`) must have exactly the shape of that
 * breaker's own state (`template`); the state of a custom `IBreaker` (no `kind`) is its own business.
 */
export function checkSavedState(
  v: OptionsValidator,
  path: string,
  value: unknown,
  kind: string | undefined,
  template: unknown,
): void {
  const o = v.object(path, value, ['state', 'openedAt', 'openings', 'breaker']);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  v.oneOf(`${path}.state`, o.state, ['closed', 'open'], { required: true });
  v.number(`${path}.openedAt`, o.openedAt, { min: 0 });
  v.number(`${path}.openings`, o.openings, { min: 1, max: 1_000, integer: true });
  if (o.breaker === undefined || kind === undefined) return;
  if (!sameShape(template, o.breaker)) {
    v.fail(`${path}.breaker`, `the state of this ${kind} breaker (from toJSON())`, o.breaker, true);
  }
}
