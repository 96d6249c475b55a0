import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerFor, FakeLlmProvider } from '../fake-providers/index.js';
import { continuingAnswer, runConversation, TURNS, type TurnReport } from './scenario.js';

describe('examples/ai-sdk-chat', () => {
  let provider: FakeLlmProvider;
  let reports: TurnReport[];
  let written = '';
  beforeAll(async () => {
    provider = await FakeLlmProvider.start({ answer: continuingAnswer });
    reports = await runConversation(
      provider,
      {
        start: () => {},
        write: text => {
          written += text;
        },
        end: () => {},
      },
      { chunkDelayMs: 0 },
    );
  }, 30_000);
  afterAll(() => provider.close());

  it('answers every turn in full, whatever the fault', () => {
    expect(reports.map(r => r.answer)).toEqual(TURNS.map(turn => answerFor(turn.question)));
    expect(reports.map(r => r.error)).toEqual(TURNS.map(() => undefined));
    expect(written).toBe(TURNS.map(turn => answerFor(turn.question)).join(''));
  });

  it('retries the 429 after its Retry-After and the stall on the same model', () => {
    const [, rateLimited, stalled] = reports;
    expect(rateLimited?.requests).toEqual(['gpt-4o-mini → 429 completed', 'gpt-4o-mini → 200 completed']);
    expect(rateLimited?.retries).toEqual(['retry 1 in 1000 ms (rate_limited, retry_after)']);
    expect(stalled?.requests).toEqual(['gpt-4o-mini → 200 client_closed', 'gpt-4o-mini → 200 completed']);
  });

  it('continues a dropped answer with the second model, and falls back while the first is down', () => {
    const [, , , dropped, down, afterwards] = reports;
    expect(dropped?.requests).toEqual(['gpt-4o-mini → 200 dropped', 'gpt-4.1-mini → 200 completed']);
    expect(down?.requests.at(-1)).toBe('gpt-4.1-mini → 200 completed');
    expect(down?.breakers['openai.responses.gpt-4o-mini']).toBe('open');
    expect(afterwards?.requests).toEqual(['gpt-4.1-mini → 200 completed']);
  });
});
