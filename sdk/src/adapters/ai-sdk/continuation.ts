import type { LanguageModelV4CallOptions, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import type { StreamContinuation } from '../../core/stream-options.js';

/** The parts of a tool call: its streamed input, the call, an approval request, a provider-executed result. */
const TOOL_PARTS: ReadonlySet<LanguageModelV4StreamPart['type']> = new Set([
  'tool-input-start',
  'tool-input-delta',
  'tool-input-end',
  'tool-approval-request',
  'tool-call',
  'tool-result',
]);

/** Whether a part belongs to a tool call. */
export function isToolPart(part: LanguageModelV4StreamPart): boolean {
  return TOOL_PARTS.has(part.type);
}

/**
 * Why a broken stream that had sent (part of) a tool call is not continued: a continuation gets the partial text
 * only, so the tool input the consumer saw start would never end (a UI would show it streaming forever), and a
 * complete call, which the AI SDK runs, would be unknown to the model that goes on. The consumer gets the break,
 * a `StreamBrokenError`, as with `afterCommit: 'error'`.
 */
export class ToolCallNotContinuedError extends TypeError {
  override readonly name = 'ToolCallNotContinuedError';

  constructor() {
    super('A stream that broke during a tool call is not continued by another model');
  }
}

/** The text the consumer already received, from the content parts of a broken stream. */
export function partialText(partial: readonly LanguageModelV4StreamPart[]): string {
  let text = '';
  for (const part of partial) if (part.type === 'text-delta') text += part.delta;
  return text;
}

/**
 * The call options that ask a model to continue a broken answer: the same call, with the partial text appended as
 * an assistant message (an assistant "prefill"). Anthropic models continue a trailing assistant message natively;
 * OpenAI-style models read it as their previous turn and usually go on from it. The continuation is appended as it
 * comes, so the consumer may see a seam where the second model picked up.
 */
export function continuationParams(
  params: LanguageModelV4CallOptions,
  partial: readonly LanguageModelV4StreamPart[],
): LanguageModelV4CallOptions {
  const text = partialText(partial);
  if (text === '') return params;
  return { ...params, prompt: [...params.prompt, { role: 'assistant', content: [{ type: 'text', text }] }] };
}

/** The id of the text block the broken stream left open (its last text delta's), if any. */
function openTextId(partial: readonly LanguageModelV4StreamPart[]): string | undefined {
  for (let i = partial.length - 1; i >= 0; i--) {
    const part = partial[i]!;
    if (part.type === 'text-delta') return part.id;
  }
  return undefined;
}

/**
 * Splices a continuation onto a broken stream: its `stream-start` is dropped (the stream already started), and its
 * first text block continues the block the broken stream left open (same id, no second `text-start`), so a consumer
 * sees one text block growing rather than a new one.
 */
export async function* spliceContinuation(
  parts: AsyncIterable<LanguageModelV4StreamPart>,
  partial: readonly LanguageModelV4StreamPart[],
): AsyncGenerator<LanguageModelV4StreamPart> {
  const openId = openTextId(partial);
  let firstTextId: string | undefined;
  for await (const part of parts) {
    if (part.type === 'stream-start') continue;
    if (
      openId !== undefined &&
      (part.type === 'text-start' || part.type === 'text-delta' || part.type === 'text-end')
    ) {
      if (firstTextId === undefined && part.type === 'text-start') {
        firstTextId = part.id;
        continue;
      }
      if (part.id === firstTextId) {
        yield { ...part, id: openId };
        continue;
      }
    }
    yield part;
  }
}

/** What the middleware's `continueWith` gets, typed for AI SDK parts. */
export type PartContinuation = StreamContinuation<LanguageModelV4StreamPart>;
