/** Helpers of the shared rate limiter's tests, replica script and cost measurement. */

/** The limiter of seed 000: 10 messages per 10 s per conversation thread. */
export const PER_THREAD = Object.freeze({ kind: 'sliding_window', limit: 10, intervalMs: 10_000 } as const);
