/**
 * Error identity that survives duplicate installs of the package: each class carries a
 * `Symbol.for('agent-resilience.<Name>')` property, checked by its static `isInstance`.
 */
export const errorMarker = (name: string): symbol => Symbol.for(`agent-resilience.${name}`);

/** True when `error` is an object carrying `marker`. */
export const hasMarker = (error: unknown, marker: symbol): boolean =>
  typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
