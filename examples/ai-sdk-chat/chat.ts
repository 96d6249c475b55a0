/**
 * The app as it was before agent-resilience: an AI SDK support chat that streams each answer to the user and
 * keeps the conversation. Nothing here knows about resilience; `main.ts` wraps the model once.
 */
import { type LanguageModel, type ModelMessage, streamText } from 'ai';

const INSTRUCTIONS = 'You are the support assistant of an online shop. Answer in one or two sentences.';

/** A conversation with the support assistant. */
export class SupportChat {
  readonly messages: ModelMessage[] = [];

  constructor(private readonly model: LanguageModel) {}

  /**
   * Streams the answer to `question` through `write` and remembers the exchange. Returns the answer and the error
   * that ended the stream, if any (the AI SDK reports stream errors as parts, not exceptions).
   */
  async ask(question: string, write: (text: string) => void): Promise<{ text: string; error?: unknown }> {
    this.messages.push({ role: 'user', content: question });
    let error: unknown;
    const result = streamText({
      model: this.model,
      instructions: INSTRUCTIONS,
      messages: this.messages,
      maxRetries: 0, // agent-resilience retries: one retry layer
      onError: event => {
        error = event.error;
      },
    });
    let text = '';
    for await (const delta of result.textStream) {
      text += delta;
      write(delta);
    }
    this.messages.push({ role: 'assistant', content: text });
    return error === undefined ? { text } : { text, error };
  }
}
