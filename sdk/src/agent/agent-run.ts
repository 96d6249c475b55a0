import type { ProtectedFn } from '../core/call-context.js';
import type { StreamCallOptions, StreamFn } from '../core/stream-options.js';
import type { ResiliencePolicy } from '../pipeline/create-policy.js';
import { ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_TOOL_CALL_ID } from '../semconv.js';
import type { GenAiTelemetry } from './agent-options.js';
import type { RunStreams } from './run-streams.js';

/** Options shared by tool and model calls. */
interface CallOptions {
  /** Key for a `cache` fallback of the policy. */
  readonly cacheKey?: string;
  /** Per-call values for the policy's fallbacks (e.g. the prompt a second-model fallback resends). */
  readonly properties?: Readonly<Record<string, unknown>>;
  /** Cancels the call. Inside a run, the run's signal is used. */
  readonly signal?: AbortSignal;
}

/** Options of `run.tool`. */
export interface ToolCallOptions extends CallOptions {
  /** {@link ATTR_GEN_AI_TOOL_CALL_ID} (the model's tool-call id), when known. */
  readonly callId?: string;
  /** Policy to run the call through. @default the agent's policy for this tool (`tool.<name>`) */
  readonly policy?: ResiliencePolicy<unknown>;
}

/** Options of `run.model`. */
export interface ModelCallOptions extends CallOptions {
  /** {@link ATTR_GEN_AI_PROVIDER_NAME} (`openai`, `anthropic`, …). @default the agent's `provider`, else `_OTHER` */
  readonly provider?: string;
  /** Policy to run the call through, e.g. one shared per provider. @default the agent's policy for this model */
  readonly policy?: ResiliencePolicy<unknown>;
  /** Who reports this call's GenAI telemetry ({@link GenAiTelemetry}). @default the agent's `genAiTelemetry` */
  readonly genAiTelemetry?: GenAiTelemetry;
}

/** Options of `run.modelStream`: those of `run.model`, plus how the chunks are read. */
export interface ModelStreamOptions<C> extends ModelCallOptions {
  /**
   * How the chunks are read: `isContent` (the first content chunk commits the stream), `errorOf` (an error frame
   * inside the stream), `usageOf` (token usage), and `continueWith` for a policy with `afterCommit:
   * 'fallback-continue'`. Each reader given replaces its default. @default MODEL_STREAM_READERS (OpenAI
   * chat-completions chunks and Anthropic messages events; any other chunk is content)
   */
  readonly stream?: StreamCallOptions<C>;
}

/** How an {@link AgentRun} reaches its agent (implemented by `Agent`). */
export interface AgentCalls {
  tool<T>(name: string, fn: ProtectedFn<T>, options?: ToolCallOptions): Promise<T>;
  model<T>(model: string, fn: ProtectedFn<T>, options?: ModelCallOptions): Promise<T>;
  modelStream<C>(model: string, fn: StreamFn<C>, options?: ModelStreamOptions<C>): Promise<AsyncIterable<C>>;
}

/**
 * One run of an agent (one attempt: a retried run gets a new `AgentRun` with a fresh `id`). Tool and model calls
 * made through it get GenAI spans nested under the run's `invoke_agent` span, its cancellation signal, and the
 * resilience policies of the agent.
 */
export class AgentRun {
  constructor(
    private readonly agent: AgentCalls,
    /** Fresh id of this run. */
    readonly id: string,
    /** Zero-based run attempt (0 = first run, 1 = first retry of the run). */
    readonly attempt: number,
    /** Aborts when the run is cancelled or times out; passed to every tool and model call. */
    readonly signal: AbortSignal,
    /** The run's model streams, which may outlive the run (see {@link RunStreams}). */
    private readonly streams?: RunStreams,
  ) {}

  /**
   * Runs a tool through its policy with an `execute_tool {name}` span.
   * @example const hits = await run.tool('search', ({ signal }) => search(query, { signal }), { callId });
   */
  tool<T>(name: string, fn: ProtectedFn<T>, options: ToolCallOptions = {}): Promise<T> {
    return this.agent.tool(name, fn, { ...options, signal: this.signal });
  }

  /**
   * Calls a model through its policy with a `chat {model}` CLIENT span (response model and token usage are read
   * from the result when it has the OpenAI, Anthropic or AI SDK shape), or only the policy's span when a framework
   * reports the GenAI telemetry (`genAiTelemetry`). Token usage also feeds the served and wasted token counts.
   * @example const reply = await run.model('gpt-4o-mini', ({ signal }) => openai.chat.completions.create(body, { signal }));
   */
  model<T>(model: string, fn: ProtectedFn<T>, options: ModelCallOptions = {}): Promise<T> {
    return this.agent.model(model, fn, { ...options, signal: this.signal });
  }

  /**
   * Streams a model's answer through its policy (`executeStream`): resolves at the commit (the first content
   * chunk) with the stream to read. Before the commit a failure (an error thrown or sent as a frame, a first-chunk
   * timeout, a stall, a dropped connection) is retried or falls back without the consumer seeing it; after it, a
   * break is a `StreamBrokenError`, never a replay. Stopping the read (`break`) or cancelling the run closes the
   * provider request. Spans, GenAI metrics and token counts are those of `run.model`, with the duration and usage
   * of the whole stream.
   * @example
   * const stream = await run.modelStream('gpt-4o-mini', ({ signal }) =>
   *   openai.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, { signal }));
   * for await (const chunk of stream) ui.append(chunk.choices[0]?.delta?.content ?? '');
   */
  modelStream<C>(
    model: string,
    fn: StreamFn<C>,
    options: ModelStreamOptions<C> = {},
  ): Promise<AsyncIterable<C>> {
    const streams = this.streams;
    if (streams === undefined) return this.agent.modelStream(model, fn, { ...options, signal: this.signal });
    return streams.track(this.signal, signal => this.agent.modelStream(model, fn, { ...options, signal }));
  }
}
