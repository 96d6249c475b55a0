import type { Attributes } from '@opentelemetry/api';
import type { TokenUsage } from '../core/stream-options.js';
import { ResilienceError } from '../errors/call-errors.js';
import { ATTR_ERROR_TYPE, ERROR_TYPE_OTHER } from '../semconv.js';
import { boundedErrorType } from '../telemetry/error-types.js';
import { currentTelemetry } from '../telemetry/telemetry.js';
import { safely } from '../util/safely.js';

/** The GenAI duration histograms the agent helpers record. */
export type GenAiDurationMetric =
  | 'genAiClientOperationDuration'
  | 'genAiClientInferenceDuration'
  | 'genAiInvokeAgentDuration'
  | 'genAiExecuteToolDuration';

/** The `error.type` of a helper call's failure; undefined for a cancellation (not an error). */
function errorTypeOf(error: unknown): string | undefined {
  if (!ResilienceError.isInstance(error)) return ERROR_TYPE_OTHER;
  return error.classified.category === 'cancelled' ? undefined : boundedErrorType(error.classified.errorType);
}

/** A GenAI duration measurement under way: `end` records it (once), with the call's failure if it failed. */
export type GenAiMeasure = (failure?: { readonly error: unknown }) => void;

const NOT_MEASURED: GenAiMeasure = () => {};

/**
 * Starts measuring a helper call in a GenAI histogram with `attributes`; the returned `end` records the duration
 * once, plus `error.type` for a failure (none for a cancellation). A no-op without a metrics SDK.
 */
export function startGenAiMeasure(metric: GenAiDurationMetric, attributes: Attributes): GenAiMeasure {
  const telemetry = currentTelemetry();
  if (!telemetry.metricsEnabled) return NOT_MEASURED;
  const start = performance.now();
  let ended = false;
  return failure => {
    if (ended) return;
    ended = true;
    safely('recording a GenAI duration', () => {
      const errorType = failure === undefined ? undefined : errorTypeOf(failure.error);
      telemetry.instruments[metric].record(
        (performance.now() - start) / 1000,
        errorType === undefined ? attributes : { ...attributes, [ATTR_ERROR_TYPE]: errorType },
      );
    });
  };
}

/**
 * Runs `call` and records its duration in a GenAI histogram with `attributes`, plus `error.type` on failure.
 * The duration equals the call span's (the call IS the span, per the GenAI conventions).
 */
export async function measureGenAi<T>(
  metric: GenAiDurationMetric,
  attributes: Attributes,
  call: () => Promise<T>,
): Promise<T> {
  const end = startGenAiMeasure(metric, attributes);
  try {
    const value = await call();
    end();
    return value;
  } catch (error) {
    end({ error });
    throw error;
  }
}

/**
 * Adds a model call's token usage to the newest GenAI usage counters (input and output tokens), with the call's
 * GenAI `attributes`. Counts that are absent are not recorded.
 */
export function recordInferenceUsage(attributes: Attributes, usage: TokenUsage | undefined): void {
  if (usage === undefined) return;
  const telemetry = currentTelemetry();
  if (!telemetry.metricsEnabled) return;
  safely('recording GenAI token usage', () => {
    const { inputTokens, outputTokens } = usage;
    if (inputTokens !== undefined)
      telemetry.instruments.genAiInferenceInputTokens.add(inputTokens, attributes);
    if (outputTokens !== undefined)
      telemetry.instruments.genAiInferenceOutputTokens.add(outputTokens, attributes);
  });
}
