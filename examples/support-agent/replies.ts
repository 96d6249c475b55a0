import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';

/** Who answered a customer. */
export type ReplySource = 'primary' | 'backup' | 'cached' | 'apology';

/** An answer served again from the {@link AnswerCache}. */
export interface CachedAnswer {
  readonly cached: string;
}

/**
 * What the reply stream of the primary model call yields: the primary's OpenAI chunks, or what a fallback served
 * (the backup's Anthropic events, a cached answer, the apology).
 */
export type ReplyPart =
  | OpenAI.Chat.Completions.ChatCompletionChunk
  | Anthropic.Messages.RawMessageStreamEvent
  | CachedAnswer
  | string;

/** The source of a reply part and the text it adds. */
export function readPart(part: ReplyPart): { readonly source: ReplySource; readonly text: string } {
  if (typeof part === 'string') return { source: 'apology', text: part };
  if ('cached' in part) return { source: 'cached', text: part.cached };
  if ('choices' in part) return { source: 'primary', text: part.choices[0]?.delta?.content ?? '' };
  const text = part.type === 'content_block_delta' && part.delta.type === 'text_delta' ? part.delta.text : '';
  return { source: 'backup', text };
}

/** A reply read to its end. */
export interface ReadReply {
  readonly text: string;
  readonly source: ReplySource;
}

/**
 * Reads a reply stream to its end, as a chat UI would show it, telling `onFirstChunk` when a model's first content
 * chunk arrives. A stream that breaks after it rejects with a `StreamBrokenError`.
 */
export async function readReply(
  stream: AsyncIterable<ReplyPart>,
  onFirstChunk: () => void,
): Promise<ReadReply> {
  let source: ReplySource | undefined;
  let text = '';
  for await (const part of stream) {
    const read = readPart(part);
    if (source === undefined && (read.source === 'primary' || read.source === 'backup')) onFirstChunk();
    source ??= read.source;
    text += read.text;
  }
  return { text, source: source ?? 'apology' };
}

/** No fresh answer is cached for a topic: the next fallback serves. */
export class NoCachedAnswerError extends Error {
  override readonly name = 'NoCachedAnswerError';
}

/**
 * The last good answer per topic, for a fallback to serve when both models fail. A streamed answer is complete
 * only when its stream ends, so it is remembered then (a policy's `cache` fallback stores what a call returns,
 * which for a streamed call is the stream itself, at its first chunk).
 */
export class AnswerCache {
  private readonly answers = new Map<string, { readonly text: string; readonly at: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  remember(topic: string, text: string): void {
    this.answers.delete(topic);
    this.answers.set(topic, { text, at: performance.now() });
    if (this.answers.size > this.maxEntries) {
      const oldest = this.answers.keys().next().value;
      if (oldest !== undefined) this.answers.delete(oldest);
    }
  }

  /** The fresh answer for `topic`; throws {@link NoCachedAnswerError} when there is none. */
  recall(topic: string): CachedAnswer {
    const entry = this.answers.get(topic);
    if (entry === undefined || performance.now() - entry.at > this.ttlMs)
      throw new NoCachedAnswerError(`no fresh answer cached for "${topic}"`);
    return { cached: entry.text };
  }
}
