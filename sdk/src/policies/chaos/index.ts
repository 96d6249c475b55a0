/**
 * Chaos injection (issue 11 §2): the failure modes LLM providers really have, injected inside the pipeline at a
 * rate, shaped like the provider clients' own errors so classification, retries, breakers, fallbacks and
 * dashboards behave as in production, and labelled (`injected` and the chaos names of `semconv.ts`) so a rehearsal is never taken
 * for an outage.
 *
 * Public API (re-exported by the root entry): {@link createChaos} and its types, {@link CHAOS_DEFAULTS}. The
 * pipeline's wiring: {@link checkChaosOption} (the `chaos` option of `createPolicy`) and {@link chaosFn} (wraps the
 * user's function of a call).
 */
export { chaosFn } from './chaos-fn.js';
export type { ChaosPolicyRuntime } from './chaos-telemetry.js';
export { checkChaosOption, createChaos } from './controller.js';
export { CHAOS_DEFAULTS } from './settings.js';
export type {
  ChaosCallInfo,
  ChaosController,
  ChaosFault,
  ChaosFaultSpec,
  ChaosLatencyDistribution,
  ChaosOptions,
  ChaosProvider,
  ChaosScope,
  ChaosSettings,
  ChaosState,
} from './types.js';
