import { diag } from '@opentelemetry/api';
import type { ClassifiedError } from '../classify/types.js';
import type { CallContext } from '../core/call-context.js';
import { finalizeError } from '../core/final-error.js';
import type { CallNext, CallStage } from '../core/stage.js';
import type { ResilienceError } from '../errors/call-errors.js';
import {
  ERROR_CATEGORIES,
  type ErrorCategory,
  type EVENT_FALLBACK,
  type FallbackKind,
  type METRIC_FALLBACKS,
} from '../semconv.js';
import { linkAbort, raceAbort } from '../util/abort.js';
import { closeLateStream } from '../util/late-stream.js';
import { safely } from '../util/safely.js';
import type { OptionsValidator } from '../util/validate.js';
import { CachedStream } from './cached-stream.js';
import { CommittedStream } from './committed-stream.js';
import { FallbackCache } from './fallback-cache.js';
import { recordFallback } from './fallback-telemetry.js';

/** Which failures a fallback serves: a list of categories or a predicate. */
export type FallbackWhen = readonly ErrorCategory[] | ((error: ClassifiedError) => boolean);

/** What a fallback factory receives. */
export interface FallbackContext {
  /** Why the call failed. */
  readonly error: ClassifiedError;
  /**
   * This call's own signal, aborting when the caller's does (the call's own timeouts have already fired and do not
   * abort it). A caller abort also ends a fallback that ignores the signal: the call rejects `cancelled`.
   */
  readonly signal: AbortSignal;
  /** Attempts the call made. */
  readonly attempts: number;
  /** The `cacheKey` the call was executed with. */
  readonly cacheKey: string | undefined;
  /** The `properties` the call was executed with (empty when none). */
  readonly properties: Readonly<Record<string, unknown>>;
  /** Name of the policy whose call failed. */
  readonly policy: string;
}

/** What a policy's `onFallback` event carries: which fallback served and the call's final error. */
export interface FallbackEvent {
  readonly kind: FallbackKind;
  /** Why the call failed: its reason (`max_attempts`, `budget_exhausted`, `rejected`, …) and classification. */
  readonly error: ResilienceError;
}

/** Common fields of every fallback. */
interface FallbackBase {
  /** Failures this fallback serves. @default every category except `cancelled` */
  readonly when?: FallbackWhen;
}

/**
 * One fallback. Pass several as an array to chain them: the first whose `when` matches and that produces a
 * value serves the call; a throwing factory is reported and the next one is tried; if none serves, the call
 * rejects with its original error.
 */
export type FallbackSpec<F> =
  /** A static value. */
  | (FallbackBase & { readonly value: F })
  /** A function of the failure, e.g. a call to a second model. */
  | (FallbackBase & { readonly factory: (ctx: FallbackContext) => F | PromiseLike<F> })
  /**
   * The last good result for the call's `cacheKey`, if fresh. A call without a `cacheKey` is neither stored nor
   * served (one user must never be served another user's answer): pass a key that identifies the caller and the
   * request, e.g. `execute(fn, { cacheKey: userId + ':' + promptHash })`. For `executeStream` the cache keeps the
   * chunks of a stream that completed (not one that broke or that its consumer stopped) and replays them; a
   * streamed call is served only a cached stream, and an ordinary call never one.
   */
  | (FallbackBase & { readonly cache: { readonly ttlMs?: number; readonly maxEntries?: number } });

/** Defaults of the `cache` fallback. */
export const FALLBACK_CACHE_DEFAULTS = Object.freeze({ ttlMs: 300_000, maxEntries: 1_000 });

const NOT_CANCELLED: FallbackWhen = (error: ClassifiedError) => error.category !== 'cancelled';

/** Validates fallback options into `v`. */
export function checkFallbackOptions(v: OptionsValidator, path: string, options: unknown): void {
  const specs = Array.isArray(options) ? options : [options];
  specs.forEach((spec, i) => {
    const p = Array.isArray(options) ? `${path}[${i}]` : path;
    const o = v.object(p, spec, ['value', 'factory', 'cache', 'when']);
    const kinds = ['value', 'factory', 'cache'].filter(k => k in o);
    if (kinds.length !== 1) v.fail(p, 'an object with exactly one of value, factory, cache', spec, true);
    v.func(`${p}.factory`, o.factory);
    if (o.cache !== undefined) {
      const c = v.object(`${p}.cache`, o.cache, ['ttlMs', 'maxEntries']);
      v.delay(`${p}.cache.ttlMs`, c.ttlMs, { above: 0 });
      v.number(`${p}.cache.maxEntries`, c.maxEntries, { min: 1, integer: true });
    }
    if (Array.isArray(o.when)) {
      for (const [j, c] of o.when.entries()) v.oneOf(`${p}.when[${j}]`, c, ERROR_CATEGORIES);
    } else v.func(`${p}.when`, o.when);
  });
}

/** Whether a fallback option includes a `cache` fallback (which needs a `cacheKey` on every call it serves). */
export function hasCacheFallback(spec: unknown): boolean {
  const specs: unknown[] = Array.isArray(spec) ? spec : [spec];
  return specs.some(s => typeof s === 'object' && s !== null && 'cache' in s);
}

interface ResolvedFallback {
  readonly kind: FallbackKind;
  readonly when: (error: ClassifiedError) => boolean;
  readonly serve: (
    ctx: FallbackContext,
    call: CallContext,
  ) => Promise<{ served: true; value: unknown } | { served: false }>;
}

/**
 * Serves a failed call from a value, a factory or a cache of last good results; records
 * {@link METRIC_FALLBACKS} and an {@link EVENT_FALLBACK} span event, and marks the call's outcome `fallback`.
 */
export class FallbackStage implements CallStage {
  private readonly chain: readonly ResolvedFallback[];
  private readonly cache: FallbackCache | undefined;
  private warnedNoKey = false;

  /**
   * @param specs The fallback chain.
   * @param onServed Told which fallback served a call and why the call failed (the policy's `onFallback`).
   */
  constructor(
    specs: FallbackSpec<unknown> | readonly FallbackSpec<unknown>[],
    private readonly onServed: (event: FallbackEvent) => void = () => {},
  ) {
    let cache: FallbackCache | undefined;
    this.chain = (Array.isArray(specs) ? specs : [specs]).map(
      (spec: FallbackSpec<unknown>): ResolvedFallback => {
        const w = spec.when ?? NOT_CANCELLED;
        const when = typeof w === 'function' ? w : (error: ClassifiedError) => w.includes(error.category);
        if ('value' in spec)
          return { kind: 'value', when, serve: async () => ({ served: true, value: spec.value }) };
        if ('factory' in spec) {
          return {
            kind: 'factory',
            when,
            serve: async ctx => ({ served: true, value: await spec.factory(ctx) }),
          };
        }
        const c = spec.cache;
        cache ??= new FallbackCache(
          c.ttlMs ?? FALLBACK_CACHE_DEFAULTS.ttlMs,
          c.maxEntries ?? FALLBACK_CACHE_DEFAULTS.maxEntries,
        );
        const store = cache;
        return {
          kind: 'cache',
          when,
          serve: async (ctx, call) => {
            if (ctx.cacheKey === undefined) return { served: false };
            const cached = store.get(ctx.cacheKey);
            const fits = cached.hit && cached.value instanceof CachedStream === (call.stream !== undefined);
            return fits ? { served: true, value: cached.value } : { served: false };
          },
        };
      },
    );
    this.cache = cache;
  }

  async runCall(ctx: CallContext, next: CallNext): Promise<unknown> {
    let value: unknown;
    try {
      value = await next(ctx);
    } catch (error) {
      return this.recover(ctx, error);
    }
    if (this.cache !== undefined) this.store(ctx, this.cache, value);
    return value;
  }

  private store(ctx: CallContext, cache: FallbackCache, value: unknown): void {
    const key = ctx.cacheKey;
    if (key !== undefined) {
      if (ctx.stream === undefined) cache.set(key, value);
      else if (value instanceof CommittedStream && value.belongsTo(ctx))
        value.collect(chunks => cache.set(key, new CachedStream(chunks)));
    } else if (!this.warnedNoKey) {
      this.warnedNoKey = true;
      diag.warn(
        `agent-resilience: the cache fallback of "${ctx.runtime.name}" got a call without cacheKey; such calls are neither cached nor served from the cache`,
      );
    }
  }

  private async recover(ctx: CallContext, error: unknown): Promise<unknown> {
    const final = finalizeError(ctx, error);
    const classified = final.classified;
    // The factory gets this call's own signal, following the caller's (never a signal shared with other calls),
    // and a caller abort ends a fallback that ignores it at once. A stream served to a streamed call keeps
    // following the caller until it ends.
    const caller = ctx.callerSignal;
    const controller = new AbortController();
    const unlink = linkAbort(caller, controller);
    let linkedUntilStreamEnd = false;
    const cancellable = !caller.aborted;
    const fallbackCtx: FallbackContext = {
      error: classified,
      signal: controller.signal,
      attempts: ctx.attempts,
      cacheKey: ctx.cacheKey,
      properties: ctx.properties ?? {},
      policy: ctx.runtime.name,
    };
    try {
      for (const fallback of this.chain) {
        let applies = false;
        safely('fallback when predicate', () => {
          applies = fallback.when(classified);
        });
        if (!applies) continue;
        let served: Promise<{ served: boolean; value?: unknown }> | undefined;
        try {
          served = fallback.serve(fallbackCtx, ctx);
          const result = await (cancellable ? raceAbort(served, caller) : served);
          if (!result.served) continue;
          if (ctx.stream !== undefined) {
            ctx.beginStream();
            ctx.onStreamEnd(unlink);
            linkedUntilStreamEnd = true;
          }
          recordFallback(ctx, fallback.kind, classified);
          safely('policy onFallback listener', () => this.onServed({ kind: fallback.kind, error: final }));
          return result.value;
        } catch (fallbackError) {
          if (cancellable && caller.aborted) {
            // A stream the fallback still opens after the abort (its factory ignoring the signal) is closed.
            if (ctx.stream !== undefined && served !== undefined)
              closeLateStream(served.then(late => (late.served ? late.value : undefined)));
            throw finalizeError(ctx, fallbackError);
          }
          diag.warn(
            `agent-resilience: ${fallback.kind} fallback of "${ctx.runtime.name}" failed; trying the next one`,
            fallbackError,
          );
        }
      }
      throw final;
    } finally {
      if (!linkedUntilStreamEnd) unlink();
    }
  }
}
