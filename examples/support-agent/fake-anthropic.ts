import { FakeLlmProvider } from '../fake-providers/index.js';
import type { StatusCounts } from './fake-openai.js';
import { backupOverload, counter } from './stream-faults.js';

const backupAnswer = (question: string): string =>
  `(backup model) Thanks for your patience. About "${question.slice(0, 60)}": a support specialist will confirm the details shortly.`;

/**
 * The backup provider of the demo: the fake LLM provider (Anthropic messages), slower than the primary and
 * occasionally overloaded (a 529, an `overloaded_error` frame mid-stream, a first chunk that comes too late), so
 * the demo also shows how Anthropic's errors are classified and what broken streams waste.
 */
export class FakeAnthropic {
  /** Share of requests the backup is overloaded for (see {@link backupOverload}). */
  overloadRate = 0.02;
  /** Which of {@link backupOverload}'s faults the next overload is: by default they take turns. */
  overloadTurn: () => number = counter();
  private readonly provider = new FakeLlmProvider({ answer: backupAnswer });

  constructor(random: () => number) {
    this.provider.setDefault(() => {
      // A streamed answer comes in six chunks, 30 ms apart.
      const answer = { delayMs: 150 + random() * 300, chunks: 6, chunkDelayMs: 30 };
      return random() < this.overloadRate
        ? backupOverload(this.overloadTurn(), answer)
        : { kind: 'answer', ...answer };
    });
  }

  get statuses(): StatusCounts {
    return this.provider.statusCounts;
  }

  start(port = 0): Promise<number> {
    return this.provider.listen(port);
  }

  get baseURL(): string {
    return this.provider.anthropicBaseURL;
  }

  /** The same provider's OpenAI-compatible API (as Anthropic serves one for OpenAI SDKs), for the AI SDK. */
  get openaiBaseURL(): string {
    return this.provider.openaiBaseURL;
  }

  stop(): Promise<void> {
    return this.provider.close();
  }
}
