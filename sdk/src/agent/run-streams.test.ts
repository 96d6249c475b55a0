import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CallCancelledError, createAgent } from '../index.js';
import { chunks, flush, scripted } from '../test-support/scripted-stream.js';

describe('a model stream an agent run returns', () => {
  // Defect: agent.run resolves when its function does; a run that returns its model stream (a chat endpoint
  // handing the stream to the response) resolves at the commit, and then the run policy's call.release() detaches
  // the run's signal from the caller, and run() untracks the thread: neither the `signal` given to agent.run nor
  // agent.cancel(threadId) reaches the stream any more (README: "cancelling the run closes the provider request").
  it("the run's signal still cancels the stream after run() returned it", async () => {
    const agent = createAgent('returns-stream', { registry: null, retry: false });
    const user = new AbortController();
    const source = scripted<string>();
    let providerSignal: AbortSignal | undefined;
    const running = agent.run(
      run =>
        run.modelStream('m', ({ signal }) => {
          providerSignal = signal;
          return source.iterable;
        }),
      { signal: user.signal, threadId: 't' },
    );
    await flush();
    source.chunk('a');
    const stream = await running;
    user.abort();
    await flush();
    expect(providerSignal?.aborted).toBe(true);
    // Cancelled: even the chunk read before the commit is not handed out any more.
    expect(
      await stream[Symbol.asyncIterator]()
        .next()
        .catch(e => e),
    ).toBeInstanceOf(CallCancelledError);
    agent.dispose();
  });

  it('agent.cancel(threadId) still reaches the stream after run() returned it', async () => {
    const agent = createAgent('returns-stream-thread', { registry: null, retry: false });
    const source = scripted<string>();
    const running = agent.run(run => run.modelStream('m', () => source.iterable), { threadId: 't-1' });
    await flush();
    source.chunk('a');
    const stream = await running;
    expect(agent.cancel('t-1')).toBe(1);
    await flush();
    expect(source.state.returned).toBe(1);
    expect(
      await stream[Symbol.asyncIterator]()
        .next()
        .catch(e => e),
    ).toBeInstanceOf(CallCancelledError);
    agent.dispose();
  });

  it("lets go of the user's signal and the thread once the stream was read to its end", async () => {
    const agent = createAgent('returns-stream-done', { registry: null, retry: false });
    const user = new AbortController();
    const stream = await agent.run(run => run.modelStream('m', () => chunks('a', 'b')), {
      signal: user.signal,
      threadId: 't-2',
    });
    expect(getEventListeners(user.signal, 'abort').length).toBeGreaterThan(0);
    const read: string[] = [];
    for await (const chunk of stream) read.push(chunk);
    expect(read).toEqual(['a', 'b']);
    expect(getEventListeners(user.signal, 'abort')).toHaveLength(0);
    expect(agent.cancel('t-2')).toBe(0);
    agent.dispose();
  });

  it('lets go at once of a run that returned no stream', async () => {
    const agent = createAgent('returns-value', { registry: null, retry: false });
    const user = new AbortController();
    expect(await agent.run(() => 'done', { signal: user.signal, threadId: 't-3' })).toBe('done');
    expect(getEventListeners(user.signal, 'abort')).toHaveLength(0);
    expect(agent.cancel('t-3')).toBe(0);
    agent.dispose();
  });
});
