import type { ChaosFault } from '../../semconv.js';

export type { ChaosFault };

/** Providers whose client errors chaos injection imitates (`openai` 7.x, `@anthropic-ai/sdk` 1.x). */
export type ChaosProvider = 'openai' | 'anthropic';

/** A latency distribution: log-normal, given by its median and 99th percentile. */
export interface ChaosLatencyDistribution {
  /** Median latency added, in ms (> 0). */
  readonly p50Ms: number;
  /** 99th-percentile latency added, in ms (>= `p50Ms`). */
  readonly p99Ms: number;
}

/**
 * One fault to inject, and how often. Fields that do not apply to the fault are refused (a `retryAfterMs` on a
 * `latency` fault is a mistake, not a no-op).
 */
export interface ChaosFaultSpec {
  /**
   * What to inject. The error faults (`rate_limited`, `overloaded`, `server_error`, `timeout`, `network`,
   * `quota_exceeded`, `context_length_exceeded`, `content_filtered`) throw an error shaped like the provider
   * client's own, so it is classified, retried and served from fallbacks as the real one would be; `latency`
   * delays the attempt; the stream faults (`stream_stall`, `stream_drop`, `stream_error`) break a streamed call's
   * stream after `afterChunks` chunks.
   */
  readonly fault: ChaosFault;
  /**
   * Share of the matching attempts that get this fault, in [0, 1]. The error and stream faults exclude each other
   * (at most one per attempt), so their rates must add up to at most 1; so must the rates of `latency` faults.
   * Latency combines with an error or stream fault.
   */
  readonly rate: number;
  /**
   * Error faults and `stream_error`: whose client error shape to build. `stream_error` frames are OpenAI's
   * `server_error` frame or Anthropic's `overloaded_error` event. @default 'openai'
   */
  readonly provider?: ChaosProvider;
  /**
   * `rate_limited` only: the wait the 429 asks for, in ms (headers `retry-after-ms` and `retry-after`, in whole
   * seconds rounded up). @default 1000
   */
  readonly retryAfterMs?: number;
  /** `latency` only: a fixed delay in ms, or a log-normal distribution. @default 1000 */
  readonly latencyMs?: number | ChaosLatencyDistribution;
  /**
   * Stream faults only: chunks (any chunk, content or not) delivered before the fault. A stream that ends sooner
   * ends normally, and nothing is injected. @default 1
   */
  readonly afterChunks?: number;
}

/**
 * Which calls chaos may touch. Every list given must match the call; a list left out matches every call. A call
 * without a model (or tenant) matches no `models` (or `tenants`) list.
 */
export interface ChaosScope {
  /** Policy names (`createPolicy(name)`), at most 100. */
  readonly policies?: readonly string[];
  /** Models (`ExecuteOptions.genAi.model` of the call), 1-128 printable characters each, at most 100. */
  readonly models?: readonly string[];
  /** Tenants (`ExecuteOptions.tenant` of the call), 1-128 printable characters each, at most 100. */
  readonly tenants?: readonly string[];
}

/** What can be changed at runtime (`ChaosController.configure`, `POST /chaos`, the environment variable). */
export interface ChaosSettings {
  /** Whether faults are injected. @default false */
  readonly enabled?: boolean;
  /** Faults, considered in order for each attempt; at most 32. @default [] */
  readonly faults?: readonly ChaosFaultSpec[];
  /** Which calls may get faults. @default {} (every call) */
  readonly scope?: ChaosScope;
}

/** Options of `createChaos`. */
export interface ChaosOptions extends ChaosSettings {
  /**
   * Read settings from this environment variable at creation (`true` = `AGENT_RESILIENCE_CHAOS`): JSON
   * {@link ChaosSettings} (`{"faults":[{"fault":"rate_limited","rate":0.5}]}`) or compact `fault=rate` pairs
   * (`rate_limited=0.5,latency=0.1`, each fault with its defaults), at most 4096 characters. When the variable is
   * set (not empty) its settings replace those given here, and chaos is enabled unless its JSON says
   * `"enabled": false`; an invalid value makes `createChaos` throw, naming the variable. @default false
   */
  readonly env?: boolean | string;
  /** Source of randomness in [0, 1) (seed it in tests). @default Math.random */
  readonly random?: () => number;
}

/** What `ChaosController.state()` returns (and `GET /chaos` shows): JSON-safe. */
export interface ChaosState {
  readonly enabled: boolean;
  /** The faults, each with the defaults of the fields that apply to it filled in. */
  readonly faults: readonly ChaosFaultSpec[];
  readonly scope: ChaosScope;
  /** Faults injected since the controller was created, per fault (every fault listed, 0 when none). */
  readonly injections: Readonly<Record<ChaosFault, number>>;
}

/**
 * A chaos-injection switchboard shared by any number of policies (`createPolicy(name, { chaos })`) and the
 * monitoring API. It injects nothing while disabled.
 */
export interface ChaosController {
  /** Whether faults are injected now. */
  readonly enabled: boolean;
  /** Starts injecting the configured faults. */
  enable(): void;
  /** Stops injecting; attempts already delayed or stalled go on as they are. */
  disable(): void;
  /**
   * Validates `settings` (a `TypeError`/`RangeError` naming the option, the constraint and the value; nothing
   * changes then) and replaces the settings given, all at once; settings left out stay as they are.
   * @returns the new state.
   */
  configure(settings: ChaosSettings): ChaosState;
  /** The current settings and injection counts, JSON-safe. */
  state(): ChaosState;
}

/** What chaos needs to know about one call (`chaosFn`). */
export interface ChaosCallInfo {
  /** The call's model (`ExecuteOptions.genAi.model`), matched against `scope.models`. */
  readonly model?: string | undefined;
  /** The call's tenant (`ExecuteOptions.tenant`), matched against `scope.tenants`. */
  readonly tenant?: string | undefined;
  /** Whether the call is streamed (`executeStream`): only streamed calls get stream faults. */
  readonly streamed: boolean;
}
