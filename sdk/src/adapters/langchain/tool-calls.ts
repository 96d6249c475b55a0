import { ToolMessage } from '@langchain/core/messages';
import { type ToolCallHandler, type ToolCallRequest, ToolInvocationError } from 'langchain';
import type { PolicyRegistry } from '../../core/registry.js';
import { ResilienceError } from '../../errors/call-errors.js';
import { createPolicy, ResiliencePolicy } from '../../pipeline/create-policy.js';
import type { AdapterPolicyOptions } from './options.js';

/** A tool LangChain can invoke (a `ClientTool`); provider-side tools and unknown names have no `invoke`. */
interface InvokableTool {
  readonly name: string;
  invoke(input: unknown, config?: { signal?: AbortSignal }): Promise<unknown>;
}

/** What a tool call resolves with: a `ToolMessage`, or a LangGraph `Command`. */
type ToolCallResult = Awaited<ReturnType<ToolCallHandler>>;

const isInvokable = (tool: unknown): tool is InvokableTool =>
  typeof (tool as Partial<InvokableTool> | undefined)?.invoke === 'function' &&
  typeof (tool as Partial<InvokableTool>).name === 'string';

/**
 * Errors that are the agent's control flow, not the tool failing: LangGraph's interrupts and parent commands
 * (`GraphBubbleUp`, e.g. human-in-the-loop), and `ToolInvocationError` (the model's arguments did not match the
 * tool's schema; LangChain hands them back to the model). They pass through untouched: never retried, never a
 * breaker failure.
 */
const isControlFlow = (error: unknown): boolean =>
  (error as { is_bubble_up?: unknown } | null)?.is_bubble_up === true ||
  ToolInvocationError.isInstance(error);

/** `[A-Za-z0-9_.:-]` only, at most `max` characters (never empty). */
const safeName = (name: string, max: number): string =>
  name.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, max) || '_';

/** A view of `tool` whose `invoke` also aborts with the attempt's `signal` (attempt timeouts reach the tool). */
function withAttemptSignal(tool: InvokableTool, signal: AbortSignal): InvokableTool {
  const invoke = (input: unknown, config?: { signal?: AbortSignal }) =>
    tool.invoke(input, {
      ...config,
      signal: config?.signal === undefined ? signal : AbortSignal.any([config.signal, signal]),
    });
  return Object.create(tool, { invoke: { value: invoke } }) as InvokableTool;
}

/**
 * What the model is told when a tool call finally failed. As without the middleware (LangChain's default tool
 * error handling), the model gets an error `ToolMessage` and the agent goes on: the tool's own error, or, when
 * no attempt ran (an open breaker, a full bulkhead), the redacted reason.
 */
function failureMessage(request: ToolCallRequest, error: unknown): ToolMessage {
  const refused = ResilienceError.isInstance(error) && error.attempts === 0;
  const content = refused
    ? `Error: the ${request.toolCall.name} tool is unavailable (${error.classified.category}): ${error.classified.userMessage}`
    : `${ResilienceError.isInstance(error) ? (error.cause ?? error) : error}\n Please fix your mistakes.`;
  return new ToolMessage({
    content,
    tool_call_id: request.toolCall.id ?? '',
    name: request.toolCall.name,
    status: 'error',
  });
}

/**
 * Runs an agent's tool calls through a policy per tool (`<prefix>.<tool>`, created on first use, its own breaker),
 * or through one shared policy. Tools may have side effects, so the default policy does not retry.
 */
export class ToolCallPolicies {
  private readonly policies = new Map<string, ResiliencePolicy<unknown>>();

  constructor(
    private readonly prefix: string,
    private readonly options: AdapterPolicyOptions | ResiliencePolicy,
    private readonly registry: PolicyRegistry | null | undefined,
  ) {}

  /** The policy of a registered tool. */
  policyOf(toolName: string): ResiliencePolicy<unknown> {
    const shared = this.options;
    if (shared instanceof ResiliencePolicy) return shared;
    let policy = this.policies.get(toolName);
    if (policy === undefined) {
      const name = `${this.prefix}.${safeName(toolName, Math.max(1, 63 - this.prefix.length))}`;
      policy = createPolicy<unknown>(name, {
        ...shared,
        ...(this.registry === undefined ? {} : { registry: this.registry }),
      });
      this.policies.set(toolName, policy);
    }
    return policy;
  }

  /**
   * Runs one tool call: each attempt calls the next handler with a tool that also aborts on the attempt's signal.
   * A final failure becomes an error `ToolMessage` for the model; a cancellation and the agent's control flow
   * are thrown on.
   */
  async run(request: ToolCallRequest, handler: ToolCallHandler): Promise<ToolCallResult> {
    const tool = request.tool;
    // Unknown or provider-side tools: LangChain answers them itself (and their names come from the model).
    if (!isInvokable(tool)) return handler(request);
    let controlFlow: { readonly error: unknown } | undefined;
    const callerSignal = request.runtime.signal;
    const outcome = await this.policyOf(tool.name)
      .execute(
        async ({ signal }) => {
          try {
            return await handler({ ...request, tool: withAttemptSignal(tool, signal) as never });
          } catch (error) {
            if (!isControlFlow(error)) throw error;
            controlFlow = { error };
            return undefined;
          }
        },
        callerSignal === undefined ? {} : { signal: callerSignal },
      )
      .then(
        value => ({ value }),
        (error: unknown) => ({ error }),
      );
    if (controlFlow !== undefined) throw controlFlow.error;
    if ('value' in outcome) return outcome.value as ToolCallResult;
    if (callerSignal?.aborted === true) throw outcome.error;
    return failureMessage(request, outcome.error);
  }

  /** Disposes the per-tool policies (a shared policy belongs to its creator). */
  dispose(): void {
    for (const policy of this.policies.values()) policy.dispose();
    this.policies.clear();
  }
}
