import { type Behavior, FakeLlmProvider, faults, type ProviderRequest } from '../fake-providers/index.js';
import type { ProviderMode } from './scenario.js';
import { counter, primaryStreamFault } from './stream-faults.js';

/** What a fake provider answered, by HTTP status (refused connections never reach it). */
export type StatusCounts = Readonly<Record<string, number>>;

/**
 * The primary provider of the demo: the fake LLM provider (OpenAI chat completions) following the demo's fault
 * schedule where it must be real HTTP: 503 overloaded (its health check failing too), refused connections, a noisy
 * recovery, and streams that break on the wire before or after their first content chunk. (Its 429 storms are
 * injected by chaos into the agent's calls: scenario.ts.)
 */
export class FakeOpenAI {
  /** Share of streamed answers that break (see {@link primaryStreamFault}); the scenario sets it per phase. */
  streamFaults = 0;
  private current: ProviderMode = 'healthy';
  /** Error rate while `recovering`. */
  private errorRate = 0;
  /** Which of {@link primaryStreamFault}'s faults the next broken stream is: by default they take turns. */
  streamFaultTurn: () => number = counter();
  private readonly provider = new FakeLlmProvider();

  constructor(private readonly random: () => number) {
    this.provider.setDefault(request => this.behavior(request));
  }

  get mode(): ProviderMode {
    return this.current;
  }

  get statuses(): StatusCounts {
    return this.provider.statusCounts;
  }

  start(port = 0): Promise<number> {
    return this.provider.listen(port);
  }

  /** Switches mode; `outage_refused` stops listening, any other mode listens again on the same port. */
  async setMode(mode: ProviderMode, errorRate = 0): Promise<void> {
    this.current = mode;
    this.errorRate = errorRate;
    // While recovering the service is up (its errors are sporadic): health checks pass.
    this.provider.healthy = mode !== 'outage_503';
    if (mode === 'outage_refused') await this.provider.refuse();
    else await this.provider.listen();
  }

  get baseURL(): string {
    return this.provider.openaiBaseURL;
  }

  get healthURL(): string {
    return this.provider.healthURL;
  }

  stop(): Promise<void> {
    return this.provider.close();
  }

  private behavior({ stream }: ProviderRequest): Behavior {
    const random = this.random;
    if (this.current === 'outage_503') return faults.unavailable({ delayMs: 20 + random() * 60 });
    const slow = this.current === 'recovering';
    const delayMs = (slow ? 200 : 60) + random() * (slow ? 400 : 180);
    if (slow && random() < this.errorRate) return faults.serverError({ delayMs });
    // A streamed answer comes in six chunks, 25 ms apart.
    const answer = { delayMs, chunks: 6, chunkDelayMs: 25 };
    if (stream && random() < this.streamFaults) return primaryStreamFault(this.streamFaultTurn(), answer);
    return { kind: 'answer', ...answer };
  }
}
