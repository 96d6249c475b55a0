import {
  type AgentOutputItem,
  type Model,
  type ModelRequest,
  type ModelResponse,
  type ModelRetryAdvice,
  type StreamEvent,
  type StreamEventResponseCompleted,
  Usage,
} from '@openai/agents-core';

/** What one call to a {@link ScriptedModel} does. */
export type Step =
  /** Answers `text` (streamed as one delta per word), reporting `usage`. */
  | { readonly answer: string; readonly usage?: { inputTokens: number; outputTokens: number } }
  /** Throws `fail` (a stream throws it on its first read). */
  | { readonly fail: unknown }
  /** Streams `started` then the first `after` words of `answer`, then waits until its request is aborted. */
  | { readonly stallAfter: number; readonly answer: string }
  /** Streams the first `after` words of `answer`, then throws `error`. */
  | { readonly breakAfter: number; readonly answer: string; readonly error: unknown }
  /** Streams `response_started`, then a raw provider event `event` (an error frame), then waits for the abort. */
  | { readonly rawEvent: Record<string, unknown> };

/** The assistant message an answer becomes. */
export function messageOutput(text: string): AgentOutputItem[] {
  return [
    {
      type: 'message',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text }],
    } as AgentOutputItem,
  ];
}

const usageOf = (step: Step) => {
  const { inputTokens = 10, outputTokens = 5 } = ('usage' in step ? step.usage : undefined) ?? {};
  return new Usage({ requests: 1, inputTokens, outputTokens, totalTokens: inputTokens + outputTokens });
};

const words = (text: string): string[] => text.split(/(?<= )/);

const untilAborted = (signal: AbortSignal | undefined): Promise<never> =>
  new Promise((_, reject) => {
    if (signal?.aborted) reject(signal.reason);
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

/**
 * An Agents SDK model that follows a script, one step per call (then `otherwise`), recording each request it got
 * and how many of its streams are still open.
 */
export class ScriptedModel implements Model {
  readonly requests: ModelRequest[] = [];
  /** Streams opened and not yet finished (closed by their consumer, aborted, ended or failed). */
  openStreams = 0;
  /** What `getRetryAdvice` answers (the OpenAI models mark `x-should-retry: true` failures replay-safe). */
  advice: ModelRetryAdvice | undefined;

  constructor(
    private readonly script: Step[] = [],
    private readonly otherwise: Step = { answer: 'Hello there.' },
  ) {}

  private next(request: ModelRequest): Step {
    this.requests.push(request);
    return this.script.shift() ?? this.otherwise;
  }

  getRetryAdvice(): ModelRetryAdvice | undefined {
    return this.advice;
  }

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    const step = this.next(request);
    if ('fail' in step) throw step.fail;
    if ('breakAfter' in step) throw step.error;
    if ('rawEvent' in step || 'stallAfter' in step) return untilAborted(request.signal);
    return { usage: usageOf(step), output: messageOutput(step.answer), responseId: 'resp_1' };
  }

  async *getStreamedResponse(request: ModelRequest): AsyncIterable<StreamEvent> {
    const step = this.next(request);
    this.openStreams++;
    try {
      if ('fail' in step) throw step.fail;
      yield { type: 'response_started', providerData: {} };
      if ('rawEvent' in step) {
        yield { type: 'model', event: step.rawEvent };
        await untilAborted(request.signal);
        return;
      }
      const parts = words(step.answer);
      const sent =
        'stallAfter' in step ? step.stallAfter : 'breakAfter' in step ? step.breakAfter : parts.length;
      for (const delta of parts.slice(0, sent)) {
        await Promise.resolve();
        yield { type: 'output_text_delta', delta };
      }
      if ('stallAfter' in step) await untilAborted(request.signal);
      if ('breakAfter' in step) throw step.error;
      yield {
        type: 'response_done',
        response: {
          id: 'resp_1',
          usage: usageOf(step),
          output: messageOutput(step.answer) as StreamEventResponseCompleted['response']['output'],
        },
      };
    } finally {
      this.openStreams--;
    }
  }
}

/** A model request as the runner builds it. */
export const requestOf = (overrides: Partial<ModelRequest> = {}): ModelRequest => ({
  input: 'Where is my refund?',
  modelSettings: {},
  tools: [],
  outputType: 'text',
  handoffs: [],
  tracing: false,
  ...overrides,
});

/** The text of a response's assistant messages. */
export const textOf = (response: ModelResponse): string =>
  response.output
    .flatMap(item => ('content' in item && Array.isArray(item.content) ? (item.content as unknown[]) : []))
    .map(part => (typeof part === 'object' && part !== null && 'text' in part ? String(part.text) : ''))
    .join('');
