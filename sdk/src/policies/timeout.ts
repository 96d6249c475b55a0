import { ResilienceTimeoutError } from '../errors/signals.js';
import type { CallContext, Next, Stage } from '../pipeline/call-context.js';
import { finalError } from '../pipeline/final-error.js';
import { ATTR_RESILIENCE_TIMEOUT_KIND, EVENT_TIMEOUT, type TimeoutKind } from '../semconv.js';
import { addSpanEvent } from '../telemetry/spans.js';
import { NEVER_ABORTED } from '../util/abort.js';
import { safely } from '../util/safely.js';

function recordTimeout(ctx: CallContext, kind: TimeoutKind): void {
  const attributes = ctx.runtime.attributes.get(`t|${kind}`, () => ({
    [ATTR_RESILIENCE_TIMEOUT_KIND]: kind,
  }));
  if (ctx.telemetry.metricsEnabled) {
    safely('recording a timeout', () => ctx.telemetry.instruments.timeouts.add(1, attributes));
  }
  addSpanEvent(
    kind === 'attempt' ? (ctx.attemptSpan ?? ctx.callSpan) : ctx.callSpan,
    EVENT_TIMEOUT,
    attributes,
  );
}

/**
 * Runs `inner` under a timer. When it fires, the signal the inner stages see is aborted with a
 * `ResilienceTimeoutError` and the call settles at once, even if the protected function ignores its signal.
 * On the success path nothing is aborted (cockatiel aborts a controller on every return, which costs
 * 10-40 µs and breaks reading response bodies after return).
 */
function withTimer(
  ctx: CallContext,
  kind: TimeoutKind,
  ms: number,
  parent: AbortSignal,
  adopt: (signal: AbortSignal) => void,
  inner: () => Promise<unknown>,
  onTimeout: (error: ResilienceTimeoutError) => unknown,
): Promise<unknown> {
  const controller = new AbortController();
  adopt(controller.signal);
  if (parent.aborted) {
    controller.abort(parent.reason);
    return Promise.reject(parent.reason);
  }
  return new Promise((resolve, reject) => {
    // A caller abort ends the wait at once and leaves no timer behind. No listener when the parent cannot abort.
    const onParentAbort =
      parent === NEVER_ABORTED
        ? undefined
        : (): void => {
            clearTimeout(timer);
            controller.abort(parent.reason);
            reject(parent.reason);
          };
    const done = (): void => {
      clearTimeout(timer);
      if (onParentAbort !== undefined) parent.removeEventListener('abort', onParentAbort);
    };
    const timer = setTimeout(() => {
      done();
      const error = new ResilienceTimeoutError(kind, ms);
      recordTimeout(ctx, kind);
      controller.abort(error);
      reject(onTimeout(error));
    }, ms);
    if (onParentAbort !== undefined) parent.addEventListener('abort', onParentAbort, { once: true });
    let running: Promise<unknown>;
    try {
      running = inner();
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      value => {
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(error);
      },
    );
  });
}

/** Bounds each attempt; a fired attempt timeout is a retryable `timeout` failure of that attempt. */
export class AttemptTimeoutStage implements Stage {
  constructor(private readonly ms: number) {}

  run(ctx: CallContext, next: Next): Promise<unknown> {
    return withTimer(
      ctx,
      'attempt',
      this.ms,
      ctx.signal,
      signal => {
        ctx.attemptSignal = signal;
      },
      () => next(ctx),
      error => error,
    );
  }
}

/**
 * Bounds the whole call, retries and waits included. When it fires the call ends with reason `deadline`; the
 * retry strategy also stops scheduling retries that could not finish before the deadline.
 */
export class TotalTimeoutStage implements Stage {
  constructor(private readonly ms: number) {}

  run(ctx: CallContext, next: Next): Promise<unknown> {
    ctx.deadline = Date.now() + this.ms;
    return withTimer(
      ctx,
      'total',
      this.ms,
      ctx.signal,
      signal => {
        ctx.signal = signal;
        ctx.attemptSignal = signal;
      },
      () => next(ctx),
      error => finalError(ctx, ctx.runtime.classify(error), 'deadline'),
    );
  }
}
