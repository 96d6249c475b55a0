import { StreamBrokenError } from 'agent-resilience';
import { describe, expect, it } from 'vitest';
import { answerFor } from '../fake-providers/index.js';
import { runScenes, SCENES } from './scenes.js';

describe('the langchain-agent example', () => {
  it('serves through a 429, a stall and an outage, and reports a broken stream and a stopped reader', async () => {
    const lines: string[] = [];
    const results = await runScenes({ line: text => lines.push(text), write: () => {} });
    const get = (prefix: string) => results[SCENES.findIndex(scene => scene.title.startsWith(prefix))]!;

    expect(get('A healthy').text).toBe(answerFor('Where is my refund?'));
    const limited = get('A 429');
    expect(limited.text).toBe(answerFor('How long does shipping take?'));
    expect(limited.retries).toEqual([expect.stringContaining('rate_limited, delay from retry_after')]);
    // One request per attempt: ChatOpenAI's own retries are off under the policy.
    expect(limited.requests).toEqual(['gpt-4o 429 completed', 'gpt-4o 200 completed']);
    const stalled = get('The stream stalls');
    expect(stalled.text).toBe(answerFor('Where is my order?'));
    expect(stalled.requests[0]).toBe('gpt-4o 200 client_closed');
    const dropped = get('The connection drops');
    expect(dropped.error).toBeInstanceOf(StreamBrokenError);
    expect(dropped.text.length).toBeGreaterThan(0);
    expect(answerFor('Where is my refund?').startsWith(dropped.text)).toBe(true);
    expect(get('The reader stops').closedAfterMs).toBeTypeOf('number');
    expect(get('gpt-4o is down').requests.at(-1)).toBe('gpt-4o-mini 200 completed');
    expect(get('gpt-4o is still down').requests).toEqual(['gpt-4o-mini 200 completed']);
    expect(lines.at(-1)).toBe(
      '\nbreakers: support.model.openai.gpt-4o: open, support.model.openai.gpt-4o-mini: closed',
    );
  });
});
