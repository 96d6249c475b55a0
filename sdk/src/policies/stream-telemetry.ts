import type { Span } from '@opentelemetry/api';
import type { ClassifiedError } from '../classify/types.js';
import type { AttemptContext } from '../core/attempt-context.js';
import { attemptEventSpan } from '../core/attempt-telemetry.js';
import type { CallContext } from '../core/call-context.js';
import {
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_RESILIENCE_ERROR_CATEGORY,
  ATTR_RESILIENCE_STREAM_CHUNKS,
  ATTR_RESILIENCE_STREAM_COMMITTED,
  EVENT_STREAM_BREAK,
  EVENT_STREAM_COMMIT,
  type METRICS,
} from '../semconv.js';
import { addSpanEvent } from '../telemetry/spans.js';
import { safely } from '../util/safely.js';

/** A stream reached its first content chunk: the {@link EVENT_STREAM_COMMIT} span event. */
export function recordCommit(attempt: AttemptContext): void {
  addSpanEvent(attemptEventSpan(attempt), EVENT_STREAM_COMMIT, attempt.call.runtime.attributes.base);
}

/**
 * A stream broke: {@link METRICS}.streamBroken (and {@link METRICS}.streamStalls for a stall) and an
 * {@link EVENT_STREAM_BREAK} span event with the chunks delivered so far.
 */
export function recordBreak(
  attempt: AttemptContext,
  committed: boolean,
  classified: ClassifiedError,
  stalled: boolean,
  chunks: number,
): void {
  recordCallBreak(attempt.call, attemptEventSpan(attempt), committed, classified, stalled, chunks);
}

/** {@link recordBreak} of a stream that is no attempt's (a fallback's), its event on `span`. */
export function recordCallBreak(
  call: CallContext,
  span: Span | undefined,
  committed: boolean,
  classified: ClassifiedError,
  stalled: boolean,
  chunks: number,
): void {
  const { attributes } = call.runtime;
  const broken = attributes.get(`sb|${committed}|${classified.category}`, () => ({
    [ATTR_RESILIENCE_STREAM_COMMITTED]: committed,
    [ATTR_RESILIENCE_ERROR_CATEGORY]: classified.category,
  }));
  if (call.telemetry.metricsEnabled) {
    safely('recording a broken stream', () => {
      const { instruments } = call.telemetry;
      instruments.streamBroken.add(1, broken);
      if (stalled) {
        instruments.streamStalls.add(
          1,
          attributes.get(`ss|${committed}`, () => ({ [ATTR_RESILIENCE_STREAM_COMMITTED]: committed })),
        );
      }
    });
  }
  addSpanEvent(span, EVENT_STREAM_BREAK, {
    ...broken,
    [ATTR_RESILIENCE_STREAM_CHUNKS]: chunks,
  });
}

/** Time from the call's start to its first content chunk, in {@link METRICS}.genAiTimeToFirstChunk. */
export function recordTimeToFirstChunk(call: CallContext, seconds: number): void {
  if (!call.telemetry.metricsEnabled) return;
  safely('recording the time to first chunk', () => {
    const provider = call.genAi?.provider;
    const model = call.genAi?.model;
    call.telemetry.instruments.genAiTimeToFirstChunk.record(
      seconds,
      call.runtime.attributes.get(`ttfc|${provider ?? ''}|${model ?? ''}`, () => ({
        ...(provider === undefined ? {} : { [ATTR_GEN_AI_PROVIDER_NAME]: provider }),
        ...(model === undefined ? {} : { [ATTR_GEN_AI_REQUEST_MODEL]: model }),
      })),
    );
  });
}
