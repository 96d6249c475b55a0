import { randomUUID } from 'node:crypto';
import { type Attributes, SpanKind, trace } from '@opentelemetry/api';
import type { IDisposable } from 'cockatiel';
import { classifyError } from '../classify/index.js';
import type { ClassifiedError, Classifier } from '../classify/types.js';
import type { ProtectedFn } from '../core/call-context.js';
import type { StreamFn } from '../core/stream-options.js';
import { ResilienceError } from '../errors/call-errors.js';
import { createPolicy, type ResiliencePolicy } from '../pipeline/create-policy.js';
import type { RetryInfo } from '../policies/retry-options.js';
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_RESILIENCE_AGENT_RUN_ID,
  ATTR_RESILIENCE_AGENT_THREAD_ID,
  agentPolicyName,
  ERROR_TYPE_OTHER,
  executeToolSpanName,
  GEN_AI_OPERATION_EXECUTE_TOOL,
  GEN_AI_OPERATION_INVOKE_AGENT,
  GEN_AI_TOOL_TYPE_FUNCTION,
  invokeAgentSpanName,
  modelPolicyName,
  toolPolicyName,
} from '../semconv.js';
import { linkAbort } from '../util/abort.js';
import { safely, safelyGet } from '../util/safely.js';
import { withDefaults } from '../util/validate.js';
import {
  type AgentOptions,
  checkAgentOptions,
  checkModelCallOptions,
  checkRunOptions,
  type HelperPolicyOptions,
  RUN_RETRY_DEFAULTS,
  type RunOptions,
  type RunRetrying,
  type RunRetryOptions,
} from './agent-options.js';
import {
  type AgentCalls,
  AgentRun,
  type ModelCallOptions,
  type ModelStreamOptions,
  type ToolCallOptions,
} from './agent-run.js';
import { policySafe } from './genai-attributes.js';
import { measureGenAi } from './genai-metrics.js';
import { callModel, type ModelCall } from './model-call.js';
import { streamModel } from './model-stream.js';
import { RunRetryAbortedError } from './run-retry-aborted-error.js';
import { RunStreams } from './run-streams.js';
import { ThreadCancellation } from './thread-cancellation.js';

/** Most distinct tool or model names an agent keeps a default policy for. */
const MAX_DEFAULT_POLICIES = 256;

/**
 * An agent: runs (with run-level retry and thread cancellation), tool calls and model calls, each through a
 * resilience policy and reported with GenAI spans (`invoke_agent {agent}`, `execute_tool {tool}`,
 * `chat {model}`) and GenAI duration metrics. The GenAI span IS the policy's call span: retries, breaker
 * transitions and fallbacks appear on it, attempts as its children.
 */
export class Agent implements AgentCalls, IDisposable {
  readonly name: string;
  private readonly runPolicy: ResiliencePolicy;
  private readonly classifier: Classifier;
  private readonly threads = new ThreadCancellation();
  private readonly policies = new Map<string, ResiliencePolicy<unknown>>();

  constructor(
    name: string,
    private readonly options: AgentOptions = {},
  ) {
    checkAgentOptions(name, options);
    this.name = name;
    this.classifier = options.classifier ?? classifyError;
    const retry = options.retry === false ? undefined : withDefaults(RUN_RETRY_DEFAULTS, options.retry);
    this.runPolicy = createPolicy(agentPolicyName(name), {
      ...options.run,
      classifier: this.classifier,
      ...(options.registry === undefined ? {} : { registry: options.registry }),
      ...(retry === undefined
        ? {}
        : { retry: { ...stripRetryOn(retry), shouldRetry: runShouldRetry(retry) } }),
    });
  }

  /**
   * Runs the agent: `fn` receives an {@link AgentRun} to make tool and model calls. A run that fails with a
   * retryable error (408/429/5xx, network) is restarted with a fresh run id after a back-off; the events let a UI
   * say "Server error, retry 2 of 5…" and discard the failed run's partial messages first.
   */
  async run<T>(fn: (run: AgentRun) => Promise<T> | T, options: RunOptions = {}): Promise<T> {
    checkRunOptions(options);
    const controller = new AbortController();
    const unlink = options.signal === undefined ? () => {} : linkAbort(options.signal, controller);
    const untrack =
      options.threadId === undefined ? () => {} : this.threads.track(options.threadId, controller);
    // A stream the run returns keeps following the user's signal and the thread until it ends.
    const streams = new RunStreams(controller.signal);
    let pending: RunRetrying | undefined;
    let lastRunId: string | undefined;
    const conversation = options.conversationId ?? options.threadId;
    const spanAttributes: Attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_INVOKE_AGENT,
      [ATTR_GEN_AI_AGENT_NAME]: this.name,
      ...(this.options.provider === undefined ? {} : { [ATTR_GEN_AI_PROVIDER_NAME]: this.options.provider }),
      ...(conversation === undefined ? {} : { [ATTR_GEN_AI_CONVERSATION_ID]: conversation }),
      ...(options.threadId === undefined ? {} : { [ATTR_RESILIENCE_AGENT_THREAD_ID]: options.threadId }),
    };
    try {
      return (await measureGenAi('genAiInvokeAgentDuration', { [ATTR_GEN_AI_AGENT_NAME]: this.name }, () =>
        this.runPolicy.execute(
          async ({ signal, attempt }) => {
            if (attempt > 0 && pending !== undefined && options.beforeRetry !== undefined) {
              try {
                await options.beforeRetry(pending);
              } catch (hookError) {
                throw new RunRetryAbortedError(pending.error, hookError);
              }
            }
            const run = new AgentRun(this, randomUUID(), attempt, signal, streams);
            lastRunId = run.id;
            trace.getActiveSpan()?.setAttribute(ATTR_RESILIENCE_AGENT_RUN_ID, run.id);
            return fn(run);
          },
          {
            signal: controller.signal,
            span: {
              name: invokeAgentSpanName(this.name),
              kind: SpanKind.INTERNAL,
              attributes: spanAttributes,
            },
            onRetry: (info: RetryInfo) => {
              pending = { ...retryingOf(info), failedRunId: lastRunId ?? '' };
              const event = pending;
              if (options.onRetrying !== undefined)
                safely('agent onRetrying hook', () => options.onRetrying?.(event));
            },
          },
        ),
      )) as T;
    } catch (error) {
      if (
        options.onFailed !== undefined &&
        ResilienceError.isInstance(error) &&
        error.reason !== 'cancelled'
      ) {
        const event = { error: error.classified, attempts: error.attempts, lastRunId };
        safely('agent onFailed hook', () => options.onFailed?.(event));
      }
      throw error;
    } finally {
      streams.whenIdle(() => {
        untrack();
        unlink();
      });
    }
  }

  /** Cancels the active run(s) of a conversation thread; returns how many were cancelled. Idle threads are unaffected. */
  cancel(threadId: string, reason?: unknown): number {
    return this.threads.cancel(threadId, reason);
  }

  /**
   * Runs a tool through its policy with an `execute_tool {name}` span. Inside a run use `run.tool` (it passes
   * the run's signal); call this directly from code outside runs, e.g. a fallback.
   */
  tool<T>(name: string, fn: ProtectedFn<T>, options: ToolCallOptions = {}): Promise<T> {
    const policy = options.policy ?? this.defaultPolicy('tool', name);
    const attributes: Attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_EXECUTE_TOOL,
      [ATTR_GEN_AI_TOOL_NAME]: name,
      [ATTR_GEN_AI_TOOL_TYPE]: GEN_AI_TOOL_TYPE_FUNCTION,
      [ATTR_GEN_AI_AGENT_NAME]: this.name,
      ...(options.callId === undefined ? {} : { [ATTR_GEN_AI_TOOL_CALL_ID]: options.callId }),
    };
    return measureGenAi(
      'genAiExecuteToolDuration',
      { [ATTR_GEN_AI_TOOL_NAME]: name, [ATTR_GEN_AI_AGENT_NAME]: this.name },
      () =>
        policy.execute(fn, {
          ...callOptions(options),
          span: { name: executeToolSpanName(name), kind: SpanKind.INTERNAL, attributes },
        }) as Promise<T>,
    );
  }

  /**
   * Calls a model through its policy with a `chat {model}` CLIENT span, or only the policy's span when a framework
   * reports the GenAI telemetry (`genAiTelemetry`). Inside a run use `run.model`; call this directly from code
   * outside runs, e.g. a fallback that asks a second model (its span nests under the first).
   */
  model<T>(model: string, fn: ProtectedFn<T>, options: ModelCallOptions = {}): Promise<T> {
    checkModelCallOptions('model', model, options);
    return callModel(
      options.policy ?? this.defaultPolicy('model', model),
      fn,
      this.modelCall(model, options),
    );
  }

  /**
   * Streams a model's answer through its policy (`executeStream`), with the spans and metrics of
   * {@link Agent.model}; resolves at the commit with the stream to read. Inside a run use `run.modelStream` (it
   * passes the run's signal); call this directly from code outside runs, e.g. a fallback that streams a second
   * model's answer.
   */
  modelStream<C>(
    model: string,
    fn: StreamFn<C>,
    options: ModelStreamOptions<C> = {},
  ): Promise<AsyncIterable<C>> {
    checkModelCallOptions('modelStream', model, options);
    return streamModel(options.policy ?? this.defaultPolicy('model', model), fn, {
      ...this.modelCall(model, options),
      stream: options.stream,
    });
  }

  private modelCall(model: string, options: ModelCallOptions): ModelCall {
    return {
      agent: this.name,
      model,
      provider: options.provider ?? this.options.provider ?? ERROR_TYPE_OTHER,
      genAiTelemetry: options.genAiTelemetry ?? this.options.genAiTelemetry ?? 'auto',
      execute: callOptions(options),
    };
  }

  private defaultPolicy(kind: 'tool' | 'model', name: string): ResiliencePolicy<unknown> {
    const policyName =
      kind === 'tool' ? toolPolicyName(policySafe(name, 5)) : modelPolicyName(policySafe(name, 6));
    const existing = this.policies.get(policyName);
    if (existing !== undefined) return existing;
    if (this.policies.size >= MAX_DEFAULT_POLICIES) {
      throw new RangeError(
        `Agent "${this.name}" already has ${MAX_DEFAULT_POLICIES} default tool/model policies; pass \`policy\` for ${kind} "${name}"`,
      );
    }
    const base: HelperPolicyOptions =
      kind === 'tool' ? (this.options.tools ?? {}) : (this.options.models ?? { retry: {} });
    const policy = createPolicy(policyName, {
      ...base,
      classifier: this.classifier,
      ...(this.options.registry === undefined ? {} : { registry: this.options.registry }),
    });
    this.policies.set(policyName, policy);
    return policy;
  }

  /** Disposes the run policy and the default tool and model policies. */
  dispose(): void {
    this.runPolicy.dispose();
    for (const policy of this.policies.values()) policy.dispose();
    this.policies.clear();
  }
}

function callOptions(options: ToolCallOptions | ModelCallOptions) {
  return {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.cacheKey === undefined ? {} : { cacheKey: options.cacheKey }),
    ...(options.properties === undefined ? {} : { properties: options.properties }),
  };
}

function stripRetryOn<T extends { retryOn?: unknown }>(retry: T): Omit<T, 'retryOn'> {
  const { retryOn: _, ...rest } = retry;
  return rest;
}

/**
 * Whether a failed run restarts: `retryOn` decides, then the user's `shouldRetry` has the final say (a throw is
 * reported and leaves `retryOn`'s answer), as in `createPolicy`. A run aborted by `beforeRetry` never restarts.
 */
function runShouldRetry(retry: RunRetryOptions): (error: ClassifiedError, attempt: number) => boolean {
  const retryOn = new Set(retry.retryOn ?? []);
  const { shouldRetry } = retry;
  return (error, attempt) => {
    if (RunRetryAbortedError.isInstance(error.cause)) return false;
    const listed = retryOn.has(error.category);
    if (shouldRetry === undefined) return listed;
    return safelyGet('agent retry.shouldRetry hook', () => shouldRetry(error, attempt), listed);
  };
}

function retryingOf(info: RetryInfo): Omit<RunRetrying, 'failedRunId'> {
  return { attempt: info.attempt, maxRetries: info.maxRetries, delayMs: info.delayMs, error: info.error };
}

/**
 * Creates an agent.
 *
 * @example
 * const agent = createAgent('support', { provider: 'openai' });
 * const answer = await agent.run(async run => {
 *   const docs = await run.tool('search', ({ signal }) => search(question, { signal }));
 *   return run.model('gpt-4o-mini', ({ signal }) => openai.chat.completions.create(body(docs), { signal }));
 * }, { threadId, onRetrying: e => ui.status(`${e.error.userMessage} Retry ${e.attempt} of ${e.maxRetries}…`) });
 */
export function createAgent(name: string, options: AgentOptions = {}): Agent {
  return new Agent(name, options);
}
