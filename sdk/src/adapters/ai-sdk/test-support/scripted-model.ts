/** Scripted AI SDK models for the adapter's tests: `MockLanguageModelV4` from `ai/test`, answering from a script. */
import {
  APICallError,
  type LanguageModelV4CallOptions,
  type LanguageModelV4Content,
  type LanguageModelV4GenerateResult,
  type LanguageModelV4StreamPart,
  type LanguageModelV4Usage,
} from '@ai-sdk/provider';
import { MockLanguageModelV4 } from 'ai/test';

/** An AI SDK usage report. */
export const usage = (input: number, output: number): LanguageModelV4Usage => ({
  inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: output, text: output, reasoning: 0 },
});

/** An `APICallError` as `@ai-sdk/openai` throws it for an HTTP status. */
export const apiError = (statusCode: number, responseHeaders?: Record<string, string>): APICallError =>
  new APICallError({
    message: `HTTP ${statusCode}`,
    url: 'https://api.example.test/v1/responses',
    requestBodyValues: {},
    statusCode,
    ...(responseHeaders === undefined ? {} : { responseHeaders }),
  });

/** The preamble a provider sends before any content: not content, held back until the commit. */
export const preamble = (modelId: string): LanguageModelV4StreamPart[] => [
  { type: 'stream-start', warnings: [] },
  { type: 'response-metadata', id: `resp-${modelId}`, modelId, timestamp: new Date(0) },
  { type: 'text-start', id: 'txt' },
];

/** A whole streamed answer: preamble, one text delta per word, text end, finish with usage. */
export const answerParts = (
  modelId: string,
  text: string,
  tokens = usage(10, 5),
): LanguageModelV4StreamPart[] => [
  ...preamble(modelId),
  ...text.split(/(?<= )/).map(delta => ({ type: 'text-delta' as const, id: 'txt', delta })),
  { type: 'text-end', id: 'txt' },
  { type: 'finish', usage: tokens, finishReason: { unified: 'stop', raw: 'stop' } },
];

/** One scripted model call. */
export type Step =
  /** A text answer (generate) or its parts (stream). */
  | { readonly answer: string; readonly usage?: LanguageModelV4Usage }
  /** `doGenerate`/`doStream` throws. */
  | { readonly fail: unknown }
  /** `doGenerate`/`doStream` waits until the call's signal aborts, then rejects with its reason. */
  | { readonly hang: true }
  /** A generate result with this content (e.g. a tool call). */
  | { readonly content: LanguageModelV4Content[]; readonly finish?: 'stop' | 'tool-calls' }
  /**
   * These parts, then `end`: close; `hang` until the signal aborts (then error, as fetch does) or the reader
   * cancels; `deaf`: hang and ignore the signal (only a cancel ends it); or error the stream.
   */
  | {
      readonly parts: LanguageModelV4StreamPart[];
      readonly end?: 'close' | 'hang' | 'deaf' | { readonly error: unknown };
    };

/** A scripted model and what it saw. */
export interface ScriptedModel {
  readonly model: MockLanguageModelV4;
  /** Call options of every call, generate and stream, in order. */
  readonly calls: LanguageModelV4CallOptions[];
  /** Streams whose consumer cancelled them. */
  cancelled: number;
  /** Script steps not used yet. */
  readonly script: Step[];
}

const generated = (step: Step): LanguageModelV4GenerateResult => {
  if ('answer' in step)
    return {
      content: [{ type: 'text', text: step.answer }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: step.usage ?? usage(10, 5),
      warnings: [],
    };
  if ('content' in step)
    return {
      content: step.content,
      finishReason: { unified: step.finish ?? 'stop', raw: step.finish ?? 'stop' },
      usage: usage(10, 5),
      warnings: [],
    };
  throw new TypeError('scripted model: this step has no generate result');
};

/**
 * A `MockLanguageModelV4` that answers each call with the next step of `script` (then repeats the last step).
 * Streams honour the call's `abortSignal` as a real fetch does: an abort errors the stream at once.
 */
export function scriptedModel(modelId: string, script: Step[], provider = 'mock'): ScriptedModel {
  const scripted: ScriptedModel = { model: undefined as never, calls: [], cancelled: 0, script: [...script] };
  const next = (options: LanguageModelV4CallOptions): Step => {
    scripted.calls.push(options);
    const step = scripted.script.length > 1 ? scripted.script.shift()! : scripted.script[0]!;
    if ('fail' in step) throw step.fail;
    return step;
  };
  const settle = async (options: LanguageModelV4CallOptions): Promise<Step> => {
    const step = next(options);
    if (!('hang' in step)) return step;
    const signal = options.abortSignal;
    return new Promise<never>((_, reject) => {
      if (signal?.aborted) reject(signal.reason);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  };
  const stream = (step: Step, signal: AbortSignal | undefined): ReadableStream<LanguageModelV4StreamPart> => {
    const parts =
      'answer' in step ? answerParts(modelId, step.answer, step.usage) : 'parts' in step ? step.parts : [];
    const end = 'parts' in step ? (step.end ?? 'close') : 'close';
    let index = 0;
    return new ReadableStream<LanguageModelV4StreamPart>(
      {
        start(controller) {
          if (end === 'hang')
            signal?.addEventListener('abort', () => controller.error(signal.reason), { once: true });
        },
        pull(controller) {
          if (index < parts.length) controller.enqueue(parts[index++]!);
          else if (end === 'close') controller.close();
          else if (typeof end === 'object') controller.error(end.error);
        },
        cancel() {
          scripted.cancelled++;
        },
      },
      { highWaterMark: 0 },
    );
  };
  (scripted as { model: MockLanguageModelV4 }).model = new MockLanguageModelV4({
    provider,
    modelId,
    doGenerate: async options => generated(await settle(options)),
    doStream: async options => ({ stream: stream(await settle(options), options.abortSignal) }),
  });
  return scripted;
}
