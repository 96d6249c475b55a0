/**
 * A completed stream as the `cache` fallback keeps it: the chunks its consumer read, replayed in order to every
 * streamed call the cache serves (a committed stream itself can be read once). Only a streamed call is served
 * one, and a streamed call is served nothing else.
 */
export class CachedStream implements AsyncIterable<unknown> {
  constructor(private readonly chunks: readonly unknown[]) {}

  async *[Symbol.asyncIterator](): AsyncIterator<unknown> {
    yield* this.chunks;
  }
}
