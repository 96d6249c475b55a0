import { FakeLlmProvider, faults } from '../fake-providers/index.js';
import type { StatusCounts } from './fake-openai.js';

const backupAnswer = (question: string): string =>
  `(backup model) Thanks for your patience. About "${question.slice(0, 60)}": a support specialist will confirm the details shortly.`;

/**
 * The backup provider of the demo: the fake LLM provider (Anthropic messages), slower than the primary and
 * occasionally `529 overloaded_error`, so the demo also shows how Anthropic's errors are classified.
 */
export class FakeAnthropic {
  /** Share of requests answered 529 `overloaded_error`. */
  overloadRate = 0.02;
  private readonly provider = new FakeLlmProvider({ answer: backupAnswer });

  constructor(random: () => number) {
    this.provider.setDefault(() => {
      const delayMs = 150 + random() * 300;
      return random() < this.overloadRate ? faults.overloaded({ delayMs }) : { kind: 'answer', delayMs };
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

  stop(): Promise<void> {
    return this.provider.close();
  }
}
