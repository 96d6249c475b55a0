import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
} from '../semconv.js';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;
const count = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;

/**
 * GenAI response attributes read from a model client's result, duck-typed: `model` and token usage in the
 * OpenAI (`usage.prompt_tokens`/`completion_tokens`), Anthropic (`usage.input_tokens`/`output_tokens`) and
 * Vercel AI SDK (`usage.inputTokens`/`outputTokens`) shapes. Unknown shapes give no attributes.
 */
export function responseAttributes(result: unknown): Attributes {
  if (!isRecord(result)) return {};
  const attributes: Attributes = {};
  const model = result.model ?? (isRecord(result.response) ? result.response.modelId : undefined);
  if (typeof model === 'string' && model !== '') attributes[ATTR_GEN_AI_RESPONSE_MODEL] = model;
  const usage = result.usage;
  if (isRecord(usage)) {
    const input = count(usage.input_tokens) ?? count(usage.prompt_tokens) ?? count(usage.inputTokens);
    const output = count(usage.output_tokens) ?? count(usage.completion_tokens) ?? count(usage.outputTokens);
    if (input !== undefined) attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = input;
    if (output !== undefined) attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = output;
  }
  return attributes;
}

/** A user-supplied name made safe for a policy name (`[A-Za-z0-9_.:-]{1,64}` after the prefix). */
export function policySafe(name: string, prefixLength: number): string {
  const safe = name.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 64 - prefixLength);
  return safe === '' ? '_' : safe;
}
