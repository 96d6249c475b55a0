/** A synthetic provider stream for stream tests: scripted chunks, then a scripted ending. */

/** One chunk of the synthetic provider: text, or an error frame inside the stream. */
export interface Chunk {
  readonly text?: string;
  readonly error?: unknown;
  readonly usage?: { inputTokens: number; outputTokens: number };
}

/** What a synthetic provider stream does after its chunks. */
export type Ending = 'end' | 'stall' | 'quiet-on-abort' | 'hang-ignoring-signal' | { throw: unknown };

/** A provider stream: yields `chunks` (5 ms apart), then ends as told; records whether it was closed. */
export function provider(chunks: readonly Chunk[], ending: Ending = 'end') {
  const state = { closed: false, signal: undefined as AbortSignal | undefined };
  const open = ({ signal }: { signal: AbortSignal }): AsyncIterable<Chunk> => {
    state.signal = signal;
    return {
      async *[Symbol.asyncIterator]() {
        try {
          for (const chunk of chunks) {
            await new Promise(resolve => setTimeout(resolve, 5));
            yield chunk;
          }
          if (ending === 'stall')
            await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
          // As the openai and Anthropic clients do: the stream just ends when its signal aborts.
          if (ending === 'quiet-on-abort')
            await new Promise(resolve => signal.addEventListener('abort', resolve));
          if (ending === 'hang-ignoring-signal') await new Promise(() => {});
          if (typeof ending === 'object') throw ending.throw;
        } finally {
          state.closed = true;
        }
      },
    };
  };
  return { open, state };
}

export const text = (...parts: string[]): Chunk[] => parts.map(t => ({ text: t }));
export const readAll = async (stream: AsyncIterable<Chunk>): Promise<string> => {
  let out = '';
  for await (const chunk of stream) out += chunk.text ?? '';
  return out;
};
/** Reads a stream to its end: the chunks it delivered, and the error it ended with (undefined when it completed). */
export async function readChunks<T>(stream: AsyncIterable<T>): Promise<{ chunks: T[]; error: unknown }> {
  const chunks: T[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error };
  }
}

export const streamOptions = {
  stream: {
    isContent: (c: Chunk) => c.text !== undefined,
    errorOf: (c: Chunk) => c.error,
    usageOf: (c: Chunk) => c.usage,
  },
};
