/**
 * The example's scenes: one streamed question each, with a fault scripted on the local provider, and what the
 * provider saw (which model each request went to, how it ended).
 */
import { AIMessageChunk } from '@langchain/core/messages';
import { ResilienceError } from 'agent-resilience';
import { FakeLlmProvider, faults } from '../fake-providers/index.js';
import { createSupportAgent } from './app.js';

/** One scene: a title, the fault it scripts, the question, and whether the reader stops after the first words. */
export interface Scene {
  readonly title: string;
  readonly script: (provider: FakeLlmProvider) => void;
  readonly question: string;
  readonly stopReading?: boolean;
}

export const SCENES: readonly Scene[] = [
  { title: 'A healthy stream', script: () => {}, question: 'Where is my refund?' },
  {
    title: 'A 429 with Retry-After before the first token',
    script: p => p.script(faults.rateLimited({ retryAfterMs: 300 })),
    question: 'How long does shipping take?',
  },
  {
    title: 'The stream stalls before its first token',
    script: p => p.script(faults.stall(0)),
    question: 'Where is my order?',
  },
  {
    title: 'The connection drops mid-answer (after the first token)',
    script: p => p.script(faults.drop(2, { chunks: 5 })),
    question: 'Where is my refund?',
  },
  {
    title: 'The reader stops after the first words',
    script: p => p.script(faults.stall(1)),
    question: 'How do I reset my password?',
    stopReading: true,
  },
  {
    title: 'gpt-4o is down (503 on every request)',
    script: p => p.setDefault(r => (r.model === 'gpt-4o' ? faults.unavailable() : { kind: 'answer' })),
    question: 'Where is my refund?',
  },
  {
    title: 'gpt-4o is still down: its breaker is open',
    script: () => {},
    question: 'How long does shipping take?',
  },
];

/** What one scene did: the text the reader got, the error it ended with, and the provider's requests. */
export interface SceneResult {
  readonly text: string;
  readonly error: unknown;
  /** `<model> <status> <outcome>` for each request the provider saw. */
  readonly requests: readonly string[];
  /** How long after the reader stopped the provider saw its request closed, in ms. */
  readonly closedAfterMs?: number;
  readonly retries: readonly string[];
}

/** Where the example writes: whole lines, and streamed text as it arrives. */
export interface Output {
  line(text: string): void;
  write(text: string): void;
}

type Agent = ReturnType<typeof createSupportAgent>['agent'];

/** The error an agent run ended with: LangChain wraps a middleware's error in a `MiddlewareError`. */
const rootError = (error: unknown): unknown =>
  ResilienceError.isInstance(error) ? error : ((error as { cause?: unknown } | null)?.cause ?? error);

/** Streams one scene's question and reports what the reader got and what the provider saw. */
async function runScene(
  scene: Scene,
  provider: FakeLlmProvider,
  agent: Agent,
  out: Output,
): Promise<Omit<SceneResult, 'retries'>> {
  out.line(`\n▶ ${scene.title}\n  Q: ${scene.question}`);
  scene.script(provider);
  let text = '';
  let error: unknown;
  let stoppedAt: number | undefined;
  try {
    const stream = await agent.stream(
      { messages: [{ role: 'user', content: scene.question }] },
      { streamMode: 'messages' },
    );
    for await (const [message] of stream) {
      if (!AIMessageChunk.isInstance(message) || message.text === '') continue;
      out.write(text === '' ? `  A: ${message.text}` : message.text);
      text += message.text;
      if (scene.stopReading === true) {
        stoppedAt = performance.now();
        break;
      }
    }
  } catch (e) {
    error = rootError(e);
  }
  if (text !== '') out.write('\n');
  const records = await Promise.all(provider.requests.map(r => r.closed));
  if (error !== undefined) {
    const category = ResilienceError.isInstance(error) ? ` (${error.classified.category})` : '';
    out.line(
      `  ✗ ${(error as Error).name}${category}: the reader keeps the ${text.length} characters it got, shown once`,
    );
  }
  const closedAt = records[0]?.closedAt;
  const closedAfterMs =
    stoppedAt === undefined || closedAt === undefined ? undefined : Math.max(0, closedAt - stoppedAt);
  if (closedAfterMs !== undefined) {
    out.line(
      `  ■ the provider saw the request closed ${closedAfterMs.toFixed(1)} ms after the reader stopped`,
    );
  }
  const requests = records.map(r => `${r.model} ${r.status ?? '-'} ${r.outcome}`);
  out.line(`  provider saw: ${requests.join(' · ')}`);
  return { text, error, requests, ...(closedAfterMs === undefined ? {} : { closedAfterMs }) };
}

/** Runs the scenes against a local fault-injecting provider, printing each as it happens. */
export async function runScenes(out: Output): Promise<SceneResult[]> {
  const provider = await FakeLlmProvider.start({ chunks: 6, stallMaxMs: 60_000 });
  const retries: string[] = [];
  const { agent, resilience, registry } = createSupportAgent(provider.openaiBaseURL, {
    onRetry: info => {
      const line = `retry ${info.attempt} after ${Math.round(info.delayMs)} ms (${info.error.category}, delay from ${info.delaySource})`;
      retries.push(line);
      out.line(`  ↻ ${line}`);
    },
  });
  const results: SceneResult[] = [];
  try {
    for (const scene of SCENES) {
      provider.clear();
      retries.length = 0;
      results.push({ ...(await runScene(scene, provider, agent, out)), retries: [...retries] });
    }
    const breakers = registry.list('circuitBreaker').map(b => `${b.name}: ${b.state}`);
    out.line(`\nbreakers: ${breakers.join(', ')}`);
  } finally {
    resilience.dispose();
    await provider.close();
  }
  return results;
}
