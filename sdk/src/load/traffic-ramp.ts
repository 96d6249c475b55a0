import type { OptionsValidator } from '../util/validate.js';

/**
 * Envoy's slow-start curve: the admitted share is `max(minWeightPercent / 100, timeFactor ^ (1 / aggression))`
 * with `timeFactor = max(elapsed, 1 s) / windowMs`, until the window has passed.
 */
export interface SlowStartRamp {
  readonly kind: 'slow_start';
  /** Length of the ramp, in ms. @default 30000 */
  readonly windowMs?: number;
  /** Curve shape: 1 is linear, > 1 admits more early (concave), < 1 less (convex); > 0. @default 1 */
  readonly aggression?: number;
  /** Smallest share admitted, in percent, (0, 100]. @default 10 */
  readonly minWeightPercent?: number;
}

/** Fixed steps: `steps[i]` of calls is admitted during the i-th `stepMs`; after the last step, all of them. */
export interface StepRamp {
  readonly kind: 'steps';
  /**
   * The shares, increasing, each in (0, 1]; or a count n >= 1 for the even steps 1/n, 2/n, …, 1.
   * @default [0.1, 0.25, 0.5, 0.75]
   */
  readonly steps?: number | readonly number[];
  /** How long each step lasts, in ms. @default 10000 */
  readonly stepMs?: number;
}

/** How a recovering downstream gets its traffic back. */
export type RampOptions = SlowStartRamp | StepRamp;

/** Defaults of {@link RampOptions}. */
export const RAMP_DEFAULTS = Object.freeze({
  kind: 'slow_start' as const,
  windowMs: 30_000,
  aggression: 1,
  minWeightPercent: 10,
  steps: Object.freeze([0.1, 0.25, 0.5, 0.75]) as readonly number[],
  stepMs: 10_000,
});

/** A resolved ramp: the admitted share after `elapsedMs` of recovery, and when it is complete. */
export interface Ramp {
  readonly config: Readonly<Record<string, unknown>>;
  /** Time after which the ramp admits everything (and the downstream counts as healthy again). */
  readonly durationMs: number;
  ratio(elapsedMs: number): number;
}

/** Validates ramp options into `v`. */
export function checkRampOptions(v: OptionsValidator, path: string, options: unknown): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    v.fail(path, 'an object', options, true);
    return;
  }
  const kind = (options as { kind?: unknown }).kind;
  if (!v.oneOf(`${path}.kind`, kind, ['slow_start', 'steps'], { required: true })) return;
  if (kind === 'slow_start') {
    const o = v.object(path, options, ['kind', 'windowMs', 'aggression', 'minWeightPercent']);
    v.delay(`${path}.windowMs`, o.windowMs, { above: 0 });
    v.number(`${path}.aggression`, o.aggression, { above: 0 });
    v.number(`${path}.minWeightPercent`, o.minWeightPercent, { above: 0, max: 100 });
    return;
  }
  const o = v.object(path, options, ['kind', 'steps', 'stepMs']);
  v.delay(`${path}.stepMs`, o.stepMs, { above: 0 });
  const steps = o.steps;
  if (Array.isArray(steps)) {
    if (steps.length === 0) v.fail(`${path}.steps`, 'a non-empty array of shares', steps);
    steps.forEach((step, i) => {
      if (v.number(`${path}.steps[${i}]`, step, { above: 0, max: 1 }) && i > 0 && step <= steps[i - 1]) {
        v.fail(`${path}.steps[${i}]`, `greater than steps[${i - 1}] (${steps[i - 1]})`, step);
      }
    });
  } else {
    v.number(`${path}.steps`, steps, { min: 1, max: 1000, integer: true });
  }
}

/** Builds the ramp of validated options. */
export function createRamp(options: RampOptions | undefined): Ramp {
  const d = RAMP_DEFAULTS;
  if (options === undefined || options.kind === 'slow_start') {
    const windowMs = options?.windowMs ?? d.windowMs;
    const aggression = options?.aggression ?? d.aggression;
    const minWeightPercent = options?.minWeightPercent ?? d.minWeightPercent;
    const floor = minWeightPercent / 100;
    return {
      config: { kind: 'slow_start', windowMs, aggression, minWeightPercent },
      durationMs: windowMs,
      ratio: elapsed => {
        if (elapsed >= windowMs) return 1;
        const timeFactor = Math.max(elapsed, 1_000) / windowMs;
        return Math.min(1, Math.max(floor, timeFactor ** (1 / aggression)));
      },
    };
  }
  const stepMs = options.stepMs ?? d.stepMs;
  const raw = options.steps ?? d.steps;
  const steps = typeof raw === 'number' ? Array.from({ length: raw }, (_, i) => (i + 1) / raw) : [...raw];
  return {
    config: { kind: 'steps', steps, stepMs },
    durationMs: steps.length * stepMs,
    ratio: elapsed => steps[Math.floor(Math.max(0, elapsed) / stepMs)] ?? 1,
  };
}
