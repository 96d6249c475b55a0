import { type Attributes, SpanKind } from '@opentelemetry/api';
import type { ProtectedFn } from '../core/call-context.js';
import type { ExecuteOptions } from '../core/execute-options.js';
import type { ResiliencePolicy } from '../pipeline/create-policy.js';
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  chatSpanName,
  GEN_AI_OPERATION_CHAT,
} from '../semconv.js';
import type { GenAiTelemetry } from './agent-options.js';
import { responseAttributes } from './genai-attributes.js';
import { GEN_AI_LATEST } from './genai-conventions.js';
import { type GenAiDurationMetric, measureGenAi, recordInferenceUsage } from './genai-metrics.js';
import { emitsGenAi } from './genai-telemetry.js';
import { usageReader } from './usage-claims.js';

/** One model call of an agent. */
export interface ModelCall {
  readonly agent: string;
  readonly model: string;
  /** The GenAI provider name (`_OTHER` when unknown). */
  readonly provider: string;
  readonly genAiTelemetry: GenAiTelemetry;
  /** The caller's options for the policy (signal, cache key, fallback properties). */
  readonly execute: ExecuteOptions;
}

/** The duration histogram of model calls: the newest GenAI name with the opt-in, the current one otherwise. */
export const GEN_AI_DURATION: GenAiDurationMetric = GEN_AI_LATEST
  ? 'genAiClientInferenceDuration'
  : 'genAiClientOperationDuration';

/**
 * Runs a model call through `policy`. The policy is told the model (for the time to first chunk) and how to read
 * token usage from a result (for the served and wasted token counts). When the call reports GenAI telemetry
 * ({@link emitsGenAi}), its call span is `chat {model}` (CLIENT) with the response model and usage, and its
 * duration (and, with the opt-in, usage) go to the GenAI metrics; otherwise the call span is the policy's own.
 */
export function callModel<T>(
  policy: ResiliencePolicy<unknown>,
  fn: ProtectedFn<T>,
  call: ModelCall,
): Promise<T> {
  const usageOf = usageReader();
  const execute: ExecuteOptions = {
    ...call.execute,
    genAi: { provider: call.provider, model: call.model },
    usageOf,
  };
  if (!emitsGenAi(call.genAiTelemetry)) return policy.execute(fn, execute) as Promise<T>;
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_CHAT,
    [ATTR_GEN_AI_PROVIDER_NAME]: call.provider,
    [ATTR_GEN_AI_REQUEST_MODEL]: call.model,
  };
  return measureGenAi(GEN_AI_DURATION, attributes, async () => {
    const value = await policy.execute(fn, {
      ...execute,
      span: {
        name: chatSpanName(call.model),
        kind: SpanKind.CLIENT,
        attributes: { ...attributes, [ATTR_GEN_AI_AGENT_NAME]: call.agent },
        resultAttributes: result => responseAttributes(result, usageOf(result)),
      },
    });
    if (GEN_AI_LATEST) recordInferenceUsage(attributes, usageOf(value));
    return value as T;
  });
}
