import { type GaugeSource, registerGaugeSource } from '../telemetry/gauge-sources.js';
import { currentTelemetry } from '../telemetry/telemetry.js';

/** A clock in milliseconds. */
export type Clock = () => number;

/** The default monotonic clock (faked by vitest's fake timers, so tests may use either). */
export const monotonicNow: Clock = () => performance.now();

/** Lets a timer not keep the process alive. */
export function unrefTimer(timer: unknown): void {
  (timer as { unref?: () => void } | undefined)?.unref?.();
}

/**
 * Registers a gauge source, first making sure the instruments of the registered meter provider exist (they are
 * created on the first `currentTelemetry()`, which a strategy nobody has called through yet never triggers).
 * The gauge registry holds sources weakly: the returned handle holds `source` strongly, so keep the handle for
 * as long as the gauge should report.
 */
export function registerGauges(source: GaugeSource): { readonly source: GaugeSource; dispose(): void } {
  currentTelemetry();
  const handle = registerGaugeSource(source);
  return { source, dispose: () => handle.dispose() };
}
