import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { BaseChatModelCallOptions } from '@langchain/core/language_models/chat_models';

/**
 * Stands in for LangSmith's tracer among an attempt's callbacks, and does nothing. With LangSmith tracing
 * switched on by environment (`LANGSMITH_TRACING=true`), LangChain adds its tracer to every call whose callbacks
 * hold no handler named `langchain_tracer`, so each attempt would be recorded beside the resilient model's run
 * (the served answer's tokens counted twice). It ignores every event; the methods LangChain calls on a handler of
 * that name are no-ops.
 */
class TracerPlaceholder extends BaseCallbackHandler {
  override name = 'langchain_tracer';

  constructor() {
    super({
      ignoreLLM: true,
      ignoreChain: true,
      ignoreAgent: true,
      ignoreRetriever: true,
      ignoreCustomEvent: true,
    });
  }

  /** Called by LangChain when it links a tracer to the ambient LangSmith run tree. */
  updateFromRunTree(): void {}

  /** Asked by LangChain for the run tree a traced stream runs under: none. */
  getRunTreeWithTracingConfig(): undefined {
    return undefined;
  }
}

/**
 * An attempt's call options: the call's own, with the attempt's `signal`, and no callbacks but the tracer
 * placeholder. Callbacks and tracers see the resilient model's run only, so stream handlers
 * (`streamMode: 'messages'`, `streamEvents`) never show a failed attempt's output, and LangSmith and callback
 * token counters never count the served answer twice.
 */
export function attemptOptions(
  options: Partial<BaseChatModelCallOptions>,
  signal: AbortSignal,
): Partial<BaseChatModelCallOptions> {
  return { ...options, signal, callbacks: [new TracerPlaceholder()] };
}
