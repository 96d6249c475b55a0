import type { Span } from '@opentelemetry/api';
import { context, trace } from '@opentelemetry/api';
import { CallContext, type PolicyRuntime, type ProtectedFn } from '../core/call-context.js';
import { setEndAttributes, startCallSpan } from '../core/call-telemetry.js';
import type { ExecuteStreamOptions, StreamFn, StreamOptions } from '../core/stream-options.js';
import type { ResilienceError } from '../errors/call-errors.js';
import { CommittedStream } from '../policies/committed-stream.js';
import { ServedStream } from '../policies/served-stream.js';
import { recordTimeToFirstChunk } from '../policies/stream-telemetry.js';
import { currentTelemetry } from '../telemetry/telemetry.js';

/** What `executeStream` needs of its policy. */
export interface StreamHost {
  readonly runtime: PolicyRuntime;
  readonly settings: StreamOptions;
  /** Runs the policy's chain for a call. */
  run(call: CallContext): Promise<unknown>;
  /** Whether the policy has onSuccess/onFailure listeners. */
  listening(): boolean;
  /** Ends the call's telemetry and tells its listeners. */
  finish(call: CallContext, start: number, listening: boolean, error: unknown): void;
  /** Tells the policy's `onFallback` listeners that a continuation serves the rest of a broken stream. */
  readonly continued: (error: ResilienceError) => void;
}

/**
 * Runs a streamed call through the policy: resolves at the commit (the first content chunk of an attempt) with
 * the stream for the consumer, or with a fallback's stream; rejects like `execute` when no attempt commits and no
 * fallback serves. The call span and the call's metrics end when the stream does; time to first chunk is
 * recorded for a commit of the call's own attempts only (a fallback's stream, or another policy's stream that an
 * attempt returned, records its own).
 */
export async function executeStream<T>(
  host: StreamHost,
  fn: StreamFn<T>,
  options: ExecuteStreamOptions<T> | undefined,
): Promise<AsyncIterable<T>> {
  const telemetry = currentTelemetry();
  const listening = host.listening();
  const start = performance.now();
  let otelContext = context.active();
  let span: Span | undefined;
  if (telemetry.tracingEnabled) {
    span = startCallSpan(host.runtime, telemetry, options, otelContext);
    if (span !== undefined) otelContext = trace.setSpan(otelContext, span);
  }
  const call = new CallContext(
    host.runtime,
    fn as ProtectedFn<unknown>,
    options,
    telemetry,
    span,
    otelContext,
  );
  call.stream = {
    settings: host.settings,
    options: (options?.stream ?? {}) as ExecuteStreamOptions<unknown>['stream'] & object,
    onContinued: host.continued,
  };
  const end = (error: unknown): void => {
    setEndAttributes(call.callSpan, options);
    host.finish(call, start, listening, error);
  };
  let value: unknown;
  try {
    value =
      span === undefined ? await host.run(call) : await context.with(otelContext, host.run, undefined, call);
  } catch (error) {
    end(error);
    throw error;
  }
  if (value instanceof CommittedStream && value.belongsTo(call)) {
    if (!value.nested) recordTimeToFirstChunk(call, (performance.now() - start) / 1000);
    value.onEnd = end;
    return value as AsyncIterable<T>;
  }
  return new ServedStream(value, call, end) as AsyncIterable<T>;
}
