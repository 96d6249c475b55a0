/**
 * The largest delay `setTimeout` honours (2^31 − 1 ms, about 24.8 days). Node turns a larger delay into 1 ms,
 * so a 3e9 ms backoff would retry at once: every delay option is validated against this bound.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
