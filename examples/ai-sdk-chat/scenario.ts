/**
 * The example's conversation: one fault of the local provider per turn, scripted for the requests of that turn,
 * and a report of what happened (the requests the provider saw, the policy's retries, the breakers).
 */
import { createOpenAI } from '@ai-sdk/openai';
import { defaultRegistry, type RetryInfo } from 'agent-resilience';
import { withResilience } from 'agent-resilience/ai-sdk';
import { ANSWERS, answerFor, type Behavior, type FakeLlmProvider, faults } from '../fake-providers/index.js';
import { SupportChat } from './chat.js';

/** One turn of the conversation and the fault it meets. */
export interface Turn {
  readonly question: string;
  readonly fault: string;
  /** What the resilient model does about the fault. */
  readonly handling: string;
  /** Behaviours of the turn's first requests, in order. */
  readonly script?: readonly Behavior[];
  /** A model that answers 503 to every request of the turn. */
  readonly down?: string;
}

/** The name of the chat's policy chain (`ai-sdk.<provider>.<modelId>`); each model's breaker is `<chain>.<provider>.<modelId>`. */
const CHAIN = 'ai-sdk.openai.responses.gpt-4o-mini';

/** A stall long enough to be noticed (the provider waits until the client closes the request). */
const STALL_MS = 30_000;

/** The conversation: each turn's fault, and what the resilient model is expected to do about it. */
export const TURNS: readonly Turn[] = [
  { question: 'Where is my refund?', fault: 'none', handling: 'streamed as is' },
  {
    question: 'How long does shipping take?',
    fault: '429 with Retry-After: 1 s before the first chunk',
    handling: 'retried after the Retry-After, nothing shown twice',
    script: [faults.rateLimited({ retryAfterSeconds: 1 })],
  },
  {
    question: 'Where is my order?',
    fault: 'the stream stalls after its preamble, before the first chunk',
    handling: 'stall timeout (1 s), retried; the stalled preamble never reaches the chat',
    script: [{ kind: 'answer', firstChunkDelayMs: STALL_MS }],
  },
  {
    question: 'I want a refund for my order.',
    fault: 'the connection drops after 2 of 6 chunks, after the commit',
    handling: "not replayed: gpt-4.1-mini continues the partial answer ('fallback-continue')",
    script: [faults.drop(2, { chunks: 6 })],
  },
  {
    question: 'Can I reset my password?',
    fault: 'gpt-4o-mini is down (503 on every request)',
    handling: 'retried, then the fallback gpt-4.1-mini serves; the gpt-4o-mini breaker opens',
    down: 'gpt-4o-mini',
  },
  {
    question: 'When will my delivery arrive?',
    fault: 'none',
    handling: 'the gpt-4o-mini breaker is open: straight to gpt-4.1-mini',
  },
];

/**
 * The provider's answer to a prompt: the canned support answer, or, when the prompt is the start of one (a second
 * model asked to continue a broken answer), the rest of it.
 */
export function continuingAnswer(prompt: string): string {
  const started = ANSWERS.find(
    ([, answer]) => prompt.length > 0 && answer.startsWith(prompt) && answer !== prompt,
  );
  return started === undefined ? answerFor(prompt) : started[1].slice(prompt.length);
}

/** What one turn did. */
export interface TurnReport {
  readonly turn: Turn;
  readonly answer: string;
  readonly error: unknown;
  /** `model → status/outcome` for each request the provider saw. */
  readonly requests: readonly string[];
  readonly retries: readonly string[];
  /** Breaker state by model (`openai.responses.gpt-4o-mini`). */
  readonly breakers: Readonly<Record<string, string>>;
}

/** Where the conversation reports to. */
export interface ConversationOutput {
  /** A turn starts. */
  start(turn: Turn): void;
  /** A piece of the streamed answer. */
  write(text: string): void;
  /** A turn ended. */
  end(report: TurnReport): void;
}

/**
 * Runs the conversation against `provider`: an AI SDK chat whose model is wrapped once by `withResilience`
 * (fallback model, breaker per model, stream timeouts, continuation after a break).
 */
export async function runConversation(
  provider: FakeLlmProvider,
  output: ConversationOutput,
  { chunkDelayMs = 40 }: { readonly chunkDelayMs?: number } = {},
): Promise<TurnReport[]> {
  const openai = createOpenAI({ apiKey: 'sk-local-fake-provider', baseURL: provider.openaiBaseURL });
  const retries: string[] = [];
  const onRetry = (info: RetryInfo): void => {
    retries.push(
      `retry ${info.attempt} in ${Math.round(info.delayMs)} ms (${info.error.category}, ${info.delaySource})`,
    );
  };

  // The one wrap: everything else is the app as it was.
  const model = withResilience(openai('gpt-4o-mini'), {
    fallbacks: [openai('gpt-4.1-mini')],
    policy: {
      retry: { maxRetries: 2, initialDelayMs: 200, onRetry },
      circuitBreaker: { breaker: { kind: 'consecutive', threshold: 3 }, halfOpenAfterMs: 60_000 },
    },
    stream: { firstChunkTimeoutMs: 5_000, stallTimeoutMs: 1_000, afterCommit: 'fallback-continue' },
  });

  const answer: Behavior = { kind: 'answer', chunks: 6, chunkDelayMs };
  const chat = new SupportChat(model);
  const reports: TurnReport[] = [];
  try {
    for (const turn of TURNS) {
      provider.clear();
      provider.script(...(turn.script ?? []));
      provider.setDefault(request => (request.model === turn.down ? faults.unavailable() : answer));
      retries.length = 0;
      output.start(turn);
      const { text, error } = await chat.ask(turn.question, text => output.write(text));
      const requests = await Promise.all(provider.requests.map(r => r.closed));
      const report: TurnReport = {
        turn,
        answer: text,
        error,
        requests: requests.map(r => `${r.model} → ${r.status ?? '-'} ${r.outcome}`),
        retries: [...retries],
        breakers: Object.fromEntries(
          defaultRegistry
            .list('circuitBreaker')
            .map(breaker => [breaker.name.slice(CHAIN.length + 1), breaker.state]),
        ),
      };
      reports.push(report);
      output.end(report);
    }
  } finally {
    model.dispose();
  }
  return reports;
}
