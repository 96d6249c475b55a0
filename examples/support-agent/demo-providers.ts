import { FakeAnthropic } from './fake-anthropic.js';
import { FakeOpenAI } from './fake-openai.js';
import type { Phase } from './scenario.js';

/** Where the agent sends its model requests (the same URLs for every replica of a fleet). */
export interface ProviderEndpoints {
  /** The primary provider's OpenAI API. */
  readonly primaryBaseURL: string;
  /** Health endpoint of the primary provider, polled by the recovery manager. */
  readonly primaryHealthURL: string;
  /** The backup provider's Anthropic API. */
  readonly backupBaseURL: string;
  /** The backup provider's OpenAI-compatible API (for the AI SDK). */
  readonly backupOpenaiBaseURL: string;
}

/**
 * The demo's two fake providers (the primary, OpenAI-style, and the backup, Anthropic-style), following the
 * scenario's phases. They run in the process that drives the schedule, so every replica of a fleet sees the same
 * outage.
 */
export class DemoProviders {
  readonly primary: FakeOpenAI;
  readonly backup: FakeAnthropic;

  constructor(random: () => number) {
    this.primary = new FakeOpenAI(random);
    this.backup = new FakeAnthropic(random);
  }

  async start(): Promise<void> {
    await this.primary.start();
    await this.backup.start();
  }

  get endpoints(): ProviderEndpoints {
    return {
      primaryBaseURL: this.primary.baseURL,
      primaryHealthURL: this.primary.healthURL,
      backupBaseURL: this.backup.baseURL,
      backupOpenaiBaseURL: this.backup.openaiBaseURL,
    };
  }

  /** Makes the providers do what `phase` says, `progress` (0..1) into it (a recovery's error rate falls). */
  async follow(phase: Phase, progress: number): Promise<void> {
    const errorRate =
      phase.mode === 'recovering' ? (phase.errorRate ?? 0) * (1 - progress) : (phase.errorRate ?? 0);
    await this.primary.setMode(phase.mode, errorRate);
    this.primary.streamFaults = phase.streamFaults ?? 0;
    this.backup.overloadRate = phase.backupOverload ?? 0.02;
  }

  /** What each provider answered, by HTTP status. */
  statusLine(): string {
    return `Primary provider answered: ${JSON.stringify(this.primary.statuses)}; backup provider: ${JSON.stringify(this.backup.statuses)}`;
  }

  async stop(): Promise<void> {
    await this.primary.stop();
    await this.backup.stop();
  }
}
