import type { Attributes } from '@opentelemetry/api';
import type { TokenUsage } from '../core/stream-options.js';
import {
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
} from '../semconv.js';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;
const count = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
/** A token count, plain or as the AI SDK provider result's `{ total }`. */
const tokens = (value: unknown): number | undefined =>
  count(value) ?? (isRecord(value) ? count(value.total) : undefined);

/**
 * Token usage of a model client's result, duck-typed: `usage` in the OpenAI chat (`prompt_tokens` /
 * `completion_tokens`), OpenAI responses and Anthropic (`input_tokens` / `output_tokens`), Vercel AI SDK
 * (`inputTokens` / `outputTokens`, summed over steps) and AI SDK provider (`inputTokens.total` /
 * `outputTokens.total`) shapes. Undefined for an unknown shape or one without a valid count.
 */
export function readUsage(result: unknown): TokenUsage | undefined {
  if (!isRecord(result) || !isRecord(result.usage)) return undefined;
  const usage = result.usage;
  const inputTokens = count(usage.input_tokens) ?? count(usage.prompt_tokens) ?? tokens(usage.inputTokens);
  const outputTokens =
    count(usage.output_tokens) ?? count(usage.completion_tokens) ?? tokens(usage.outputTokens);
  if (inputTokens === undefined && outputTokens === undefined) return undefined;
  return {
    ...(inputTokens === undefined ? {} : { inputTokens }),
    ...(outputTokens === undefined ? {} : { outputTokens }),
  };
}

/**
 * GenAI response attributes of a model call: the response model read from the result (`model`, or the AI SDK's
 * `response.modelId`) and `usage` (see {@link readUsage}) as the usage attributes. Unknown shapes give none.
 */
export function responseAttributes(result: unknown, usage: TokenUsage | undefined): Attributes {
  const attributes: Attributes = {};
  if (isRecord(result)) {
    const model = result.model ?? (isRecord(result.response) ? result.response.modelId : undefined);
    if (typeof model === 'string' && model !== '') attributes[ATTR_GEN_AI_RESPONSE_MODEL] = model;
  }
  if (usage?.inputTokens !== undefined) attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = usage.inputTokens;
  if (usage?.outputTokens !== undefined) attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = usage.outputTokens;
  return attributes;
}

/** A user-supplied name made safe for a policy name (`[A-Za-z0-9_.:-]{1,64}` after the prefix). */
export function policySafe(name: string, prefixLength: number): string {
  const safe = name.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 64 - prefixLength);
  return safe === '' ? '_' : safe;
}
