/** How randomness spreads retry delays (AWS Architecture Blog, "Exponential Backoff and Jitter"). */
export type Jitter = 'full' | 'equal' | 'decorrelated' | 'none';

/** Backoff settings; all delays in milliseconds. */
export interface BackoffSettings {
  /** Base delay before the first retry. */
  readonly initialDelayMs: number;
  /** Upper bound of any backoff delay. */
  readonly maxDelayMs: number;
  /** Growth per retry: the n-th retry's ceiling is `initialDelayMs * multiplier^n`. */
  readonly multiplier: number;
  /** `full`: [0, d); `equal`: [d/2, d); `decorrelated`: [initial, 3 × previous); `none`: d. */
  readonly jitter: Jitter;
}

/**
 * The backoff delay before retry number `retry` (0 = first retry). `previousMs` is the previous delay (used by
 * decorrelated jitter). `random` returns a number in [0, 1).
 */
export function backoffDelay(
  retry: number,
  previousMs: number,
  s: BackoffSettings,
  random: () => number,
): number {
  const ceiling = Math.min(s.maxDelayMs, s.initialDelayMs * s.multiplier ** retry);
  switch (s.jitter) {
    case 'none':
      return ceiling;
    case 'full':
      return random() * ceiling;
    case 'equal':
      return ceiling / 2 + (random() * ceiling) / 2;
    case 'decorrelated': {
      const previous = previousMs > 0 ? previousMs : s.initialDelayMs;
      const upper = Math.max(s.initialDelayMs, previous * 3);
      return Math.min(s.maxDelayMs, s.initialDelayMs + random() * (upper - s.initialDelayMs));
    }
  }
}
