import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BindToolsInput,
} from '@langchain/core/language_models/chat_models';
import { AIMessage, AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import type { ToolCall } from '@langchain/core/messages/tool';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { Runnable } from '@langchain/core/runnables';

/** What one call of a {@link ScriptedChatModel} does. */
export type Script =
  /** Answers `text` (streamed as `chunks`, 10 ms apart), optionally calling tools, reporting `usage`. */
  | {
      readonly text: string;
      readonly chunks?: readonly string[];
      readonly toolCalls?: readonly ToolCall[];
      readonly usage?: { readonly input: number; readonly output: number };
    }
  /** Fails before any output. */
  | { readonly fail: unknown }
  /** Streams `chunks`, then fails (`error`) or goes silent until aborted (`'stall'`). */
  | { readonly chunks: readonly string[]; readonly after: 'stall' | { readonly error: unknown } };

/** What the model saw of one call. */
export interface ScriptedCall {
  /** The text of each message the call was sent. */
  readonly messages: readonly string[];
  readonly signal: AbortSignal | undefined;
  readonly streamed: boolean;
  /** Names of the tools bound for this call. */
  readonly tools: readonly string[];
  /** True once the call's stream was closed (finished, failed, or stopped by its reader). */
  closed: boolean;
}

const CHUNK_DELAY_MS = 10;

function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/**
 * A real LangChain `BaseChatModel` that plays a script, one entry per call (the last entry repeats), and records
 * each call: its signal, whether it streamed, the tools bound, and whether its stream was closed.
 */
export class ScriptedChatModel extends BaseChatModel<
  BaseChatModelCallOptions & { tools?: BindToolsInput[] }
> {
  readonly calls: ScriptedCall[] = [];
  readonly model: string;
  private readonly script: Script[];

  constructor(model: string, script: Script[], options: { maxRetries?: number } = {}) {
    super({ maxRetries: options.maxRetries ?? 0 });
    this.model = model;
    this.script = script;
  }

  override _llmType(): string {
    return 'scripted';
  }

  override getLsParams(options: this['ParsedCallOptions']) {
    return { ...super.getLsParams(options), ls_provider: 'scripted', ls_model_name: this.model };
  }

  override bindTools(tools: BindToolsInput[]): Runnable {
    return this.withConfig({ tools } as never);
  }

  private next(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    streamed: boolean,
  ): [Script, ScriptedCall] {
    const tools = (options.tools ?? []).map(t => (t as { name?: string }).name ?? '?');
    const texts = messages.map(m => m.text);
    const call: ScriptedCall = { messages: texts, signal: options.signal, streamed, tools, closed: false };
    this.calls.push(call);
    const script = this.script[Math.min(this.calls.length - 1, this.script.length - 1)];
    if (script === undefined) throw new Error('empty script');
    return [script, call];
  }

  override async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    const [script, call] = this.next(messages, options, false);
    call.closed = true;
    await wait(CHUNK_DELAY_MS, options.signal);
    if ('fail' in script) throw script.fail;
    if (!('text' in script)) throw script.after === 'stall' ? new Error('stalled') : script.after.error;
    const message = new AIMessage({
      content: script.text,
      tool_calls: [...(script.toolCalls ?? [])],
      ...(script.usage === undefined ? {} : { usage_metadata: usage(script.usage) }),
    });
    return { generations: [{ message, text: script.text }] };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const [script, call] = this.next(messages, options, true);
    try {
      if ('fail' in script) {
        await wait(CHUNK_DELAY_MS, options.signal);
        throw script.fail;
      }
      const parts = script.chunks ?? ('text' in script ? [script.text] : []);
      for (const part of parts) {
        await wait(CHUNK_DELAY_MS, options.signal);
        const chunk = new ChatGenerationChunk({ message: new AIMessageChunk({ content: part }), text: part });
        yield chunk;
        await runManager?.handleLLMNewToken(part, undefined, undefined, undefined, undefined, { chunk });
      }
      if ('after' in script) {
        if (script.after === 'stall') await wait(3_600_000, options.signal);
        else throw script.after.error;
      }
      if ('text' in script && (script.toolCalls?.length ?? 0) > 0) {
        const message = new AIMessageChunk({
          content: '',
          tool_call_chunks: (script.toolCalls ?? []).map((c, index) => ({
            name: c.name,
            args: JSON.stringify(c.args),
            id: c.id,
            index,
            type: 'tool_call_chunk' as const,
          })),
        });
        yield new ChatGenerationChunk({ message, text: '' });
      }
      if ('text' in script && script.usage !== undefined) {
        const message = new AIMessageChunk({ content: '', usage_metadata: usage(script.usage) });
        yield new ChatGenerationChunk({ message, text: '' });
      }
    } finally {
      call.closed = true;
    }
  }
}

function usage({ input, output }: { input: number; output: number }) {
  return { input_tokens: input, output_tokens: output, total_tokens: input + output };
}
