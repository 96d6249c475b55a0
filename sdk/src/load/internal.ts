import { type Attributes, trace } from '@opentelemetry/api';
import type { CallContext } from '../pipeline/call-context.js';
import { defaultRegistry, type PolicyRegistry, type RegistryKinds } from '../pipeline/registry.js';
import { ATTR_RESILIENCE_STRATEGY, EVENT_REJECTION, METRIC_REJECTIONS, type Strategy } from '../semconv.js';
import type { AttributeCache } from '../telemetry/attributes.js';
import { type GaugeSource, registerGaugeSource } from '../telemetry/gauge-sources.js';
import { addSpanEvent } from '../telemetry/spans.js';
import { currentTelemetry } from '../telemetry/telemetry.js';
import { safely } from '../util/safely.js';

/** A clock in milliseconds. */
export type Clock = () => number;

/** The default monotonic clock (faked by vitest's fake timers, so tests may use either). */
export const monotonicNow: Clock = () => performance.now();

/** Lets a timer not keep the process alive. */
export function unrefTimer(timer: unknown): void {
  (timer as { unref?: () => void } | undefined)?.unref?.();
}

/**
 * Registers `value` in `registry` (`undefined` means {@link defaultRegistry}, `null` none). Returns the function
 * that unregisters it.
 */
export function joinRegistry<K extends keyof RegistryKinds>(
  registry: PolicyRegistry | null | undefined,
  kind: K,
  value: RegistryKinds[K],
): () => void {
  const target = registry === undefined ? defaultRegistry : registry;
  return target === null ? () => {} : target.register(kind, value);
}

/**
 * Registers a standalone object built by a `create*` factory and unregisters it when it is disposed. When the
 * registry refuses it (a duplicate name), the object is disposed (its gauges stop) before the error is rethrown.
 */
export function registerUntilDisposed<K extends keyof RegistryKinds>(
  registry: PolicyRegistry | null | undefined,
  kind: K,
  value: RegistryKinds[K] & { onDispose(cleanup: () => void): void; dispose(): void },
): void {
  try {
    value.onDispose(joinRegistry(registry, kind, value));
  } catch (error) {
    value.dispose();
    throw error;
  }
}

/**
 * Records a refusal by `strategy`: {@link METRIC_REJECTIONS} and an {@link EVENT_REJECTION} span event on
 * the attempt span, the call span, or (outside a pipeline) the active span. Inside a pipeline the policy's
 * attributes are used; standalone, `own` (the strategy's own name).
 */
export function recordRejection(
  ctx: CallContext | undefined,
  own: AttributeCache,
  strategy: Strategy,
  extra?: Attributes,
): void {
  const attributes = (ctx?.runtime.attributes ?? own).get(`rej|${strategy}`, () => ({
    [ATTR_RESILIENCE_STRATEGY]: strategy,
  }));
  const telemetry = ctx?.telemetry ?? currentTelemetry();
  if (telemetry.metricsEnabled) {
    safely(`recording a ${strategy} rejection`, () => telemetry.instruments.rejections.add(1, attributes));
  }
  const span = ctx === undefined ? trace.getActiveSpan() : (ctx.attemptSpan ?? ctx.callSpan);
  addSpanEvent(span, EVENT_REJECTION, extra === undefined ? attributes : { ...attributes, ...extra });
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
