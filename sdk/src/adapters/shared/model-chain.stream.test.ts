/** Streamed calls of a `ModelChain`: fallbacks before the commit, the chain's call ending with its stream. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StreamBrokenError } from '../../errors/call-errors.js';
import {
  ATTR_RESILIENCE_OUTCOME,
  ATTR_RESILIENCE_POLICY,
  ATTR_RESILIENCE_STREAM_COMMITTED,
  METRIC_CALL_DURATION,
  METRIC_GEN_AI_TIME_TO_FIRST_CHUNK,
  METRIC_STREAM_BROKEN,
} from '../../semconv.js';
import { httpError } from '../../test-support/errors.js';
import { TestTelemetry } from '../../test-support/otel.js';
import { AB, chainOf, type Model } from './test-support/chain-models.js';

describe('ModelChain.executeStream', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  it('streams from the backup when the primary fails before its first chunk', async () => {
    const chain = chainOf([
      { provider: 'a', id: 'x' },
      { provider: 'b', id: 'y' },
    ]);
    const stream = await chain.executeStream(async function* (model) {
      if (model.provider === 'a') throw httpError(529);
      yield 'hello from y';
    });
    const chunks: string[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks).toEqual(['hello from y']);
    chain.dispose();
  });

  // Defect: executeStream ran the models' streams through the outer policy's `execute`: the chain's call (span
  // `chat`, resilience.call.duration of policy `chat`, onSuccess) ended at the commit, as a success, and stayed a
  // success when the stream then broke.
  it("ends the chain's streamed call with its stream: a stream that breaks is not a success of the chain", async () => {
    const chain = chainOf([...AB]);
    const stream = await chain.executeStream(async function* () {
      yield 'a';
      throw httpError(503);
    });
    expect(otel.spans().filter(s => s.name === 'chat')).toHaveLength(0);
    const read: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) read.push(chunk);
    })().catch(e => e);
    expect(read).toEqual(['a']);
    expect(error).toBeInstanceOf(StreamBrokenError);
    expect(error).toMatchObject({ policy: 'chat.a.x' });
    expect(otel.spans().filter(s => s.name === 'chat')).toHaveLength(1);
    const chainCalls = (outcome: string) =>
      otel.total(METRIC_CALL_DURATION, {
        [ATTR_RESILIENCE_POLICY]: 'chat',
        [ATTR_RESILIENCE_OUTCOME]: outcome,
      });
    expect(await chainCalls('success')).toBe(0);
    expect(await chainCalls('failure')).toBe(1);
    chain.dispose();
  });

  // The chain's own policy reads the model policy's committed stream: what the model policy recorded of it (a
  // break before or after the commit, the time to first chunk) must not be recorded again under the chain.
  it("records a model's stream once: its breaks, its time to first chunk", async () => {
    const chain = chainOf([...AB]);
    const drain = async (stream: AsyncIterable<string>) => {
      for await (const _ of stream);
    };
    let primaryUp = false;
    const streamOf = async function* (model: Model) {
      if (model.provider === 'a' && !primaryUp) throw httpError(503); // before the commit
      yield model.id;
      throw httpError(500); // after it
    };
    // The primary fails before its commit, the backup serves and breaks; then the primary commits and breaks.
    await drain(await chain.executeStream(streamOf)).catch(() => {});
    primaryUp = true;
    await drain(await chain.executeStream(streamOf)).catch(() => {});
    expect(await otel.total(METRIC_STREAM_BROKEN, { [ATTR_RESILIENCE_STREAM_COMMITTED]: false })).toBe(1);
    expect(await otel.total(METRIC_STREAM_BROKEN, { [ATTR_RESILIENCE_STREAM_COMMITTED]: true })).toBe(2);
    expect(await otel.total(METRIC_GEN_AI_TIME_TO_FIRST_CHUNK)).toBe(2);
    chain.dispose();
  });
});
