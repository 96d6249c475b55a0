/**
 * The provider of the hedging bench, as numbers: a log-normal latency T = exp(mu + sigma·Z) fitted to a median
 * and a 99th percentile, its quantiles, a seeded sampler, and the closed form of what one hedge does to it (the
 * bench prints that next to what it measures, as a check of both).
 */

/** A log-normal distribution: the logarithm of a draw is normal with mean `mu` and deviation `sigma`. */
export interface LogNormal {
  readonly mu: number;
  readonly sigma: number;
}

/** Standard normal CDF Φ(z), through erf (Abramowitz & Stegun 7.1.26, absolute error below 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** The smallest x in [lo, hi] with `below(x)` true, by bisection (`below` must be monotone). */
function bisect(below: (x: number) => boolean, lo: number, hi: number): number {
  for (let i = 0; i < 200 && hi - lo > 1e-9 * Math.max(1, Math.abs(hi)); i++) {
    const mid = (lo + hi) / 2;
    if (below(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Φ⁻¹(p): the standard normal quantile. */
export function normalQuantile(p: number): number {
  return bisect(z => normalCdf(z) >= p, -10, 10);
}

/** The log-normal whose median is `p50` and 99th percentile `p99`: mu = ln p50, sigma = ln(p99 / p50) / Φ⁻¹(0.99). */
export function logNormalFrom(p50: number, p99: number): LogNormal {
  return { mu: Math.log(p50), sigma: Math.log(p99 / p50) / normalQuantile(0.99) };
}

/** P(T > x). */
export function survival(d: LogNormal, x: number): number {
  return x <= 0 ? 1 : 1 - normalCdf((Math.log(x) - d.mu) / d.sigma);
}

/** The `p` quantile of T. */
export function quantile(d: LogNormal, p: number): number {
  return Math.exp(d.mu + d.sigma * normalQuantile(p));
}

/**
 * The `p` quantile of a call's latency with one hedge after `delayMs`, min(T₁, delay + T₂) with T₁, T₂
 * independent: P(L > x) = P(T₁ > x) for x ≤ delay, P(T₁ > x)·P(T₂ > x − delay) after.
 */
export function hedgedQuantile(d: LogNormal, delayMs: number, p: number): number {
  const tail = (x: number) => survival(d, x) * (x > delayMs ? survival(d, x - delayMs) : 1);
  return bisect(x => tail(x) <= 1 - p, 0, quantile(d, 0.999_999));
}

/** Draws from `d` with `random` (uniform in [0, 1)), by Box–Muller. */
export function logNormalSampler(d: LogNormal, random: () => number): () => number {
  return () => {
    const u = 1 - random(); // in (0, 1]: log(u) is finite
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    return Math.exp(d.mu + d.sigma * z);
  };
}

/** The `p` quantile (nearest rank) of values sorted ascending. */
export function rankQuantile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
