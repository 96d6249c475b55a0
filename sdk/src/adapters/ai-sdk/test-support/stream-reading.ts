/** Reading the AI SDK's streams in the adapter's tests. */
import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import type { TextStreamPart, ToolSet } from 'ai';

/** Text deltas of the text block `txt` (the block `preamble` opens). */
export const deltas = (...texts: string[]): LanguageModelV4StreamPart[] =>
  texts.map(delta => ({ type: 'text-delta', id: 'txt', delta }));

/** Reads a stream to its end, keeping every part. */
export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const parts: T[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

/** The text of `streamText`'s parts. */
export const textOf = (parts: TextStreamPart<ToolSet>[]): string =>
  parts.map(part => (part.type === 'text-delta' ? part.text : '')).join('');

/** How many of `streamText`'s parts are of `type`. */
export const countOf = (parts: TextStreamPart<ToolSet>[], type: string): number =>
  parts.filter(part => part.type === type).length;
