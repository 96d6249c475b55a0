import { IterableReadableStream } from '@langchain/core/utils/stream';

const stoppedByConsumer = (): DOMException =>
  new DOMException('The consumer stopped reading the stream', 'AbortError');

/**
 * `stream` as a stream whose cancellation (the consumer's `break`, `return()` or `cancel()`) first aborts `stop`.
 * LangChain cancels a stream by returning its generator, which waits for the pending read: the provider request
 * would stay open until its next chunk (on Node 24, a full chunk gap). Aborting `stop`, which the call's signal
 * follows, closes the provider request at once.
 */
export function closingOnCancel<T>(
  stream: IterableReadableStream<T>,
  stop: AbortController,
): IterableReadableStream<T> {
  return new IterableReadableStream<T>({
    async pull(controller) {
      const result = await stream.next();
      if (result.done === true) controller.close();
      else controller.enqueue(result.value);
    },
    async cancel(reason) {
      stop.abort(reason ?? stoppedByConsumer());
      await stream.return();
    },
  });
}
