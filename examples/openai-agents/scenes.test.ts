import { StreamBrokenError } from 'agent-resilience';
import { describe, expect, it } from 'vitest';
import { answerFor } from '../fake-providers/index.js';
import { runScenes, SCENES } from './scenes.js';

describe('the openai-agents example', () => {
  it('serves through a 429, a stall and an outage, and reports a broken stream and a stopped reader', async () => {
    const lines: string[] = [];
    const results = await runScenes({ line: text => lines.push(text), write: () => {} });
    const byTitle = new Map(SCENES.map((scene, i) => [scene.title, { scene, result: results[i]! }]));
    const get = (prefix: string) => [...byTitle.entries()].find(([title]) => title.startsWith(prefix))![1];

    expect(get('A healthy').result.text).toBe(answerFor('Where is my refund?'));
    const limited = get('A 429').result;
    expect(limited.text).toBe(answerFor('How long does shipping take?'));
    expect(limited.retries).toEqual([expect.stringContaining('rate_limited, delay from retry_after')]);
    // One request per attempt: the client's own retries are off under the policy.
    expect(limited.requests).toEqual(['gpt-4o 429 completed', 'gpt-4o 200 completed']);
    const stalled = get('The stream stalls').result;
    expect(stalled.text).toBe(answerFor('Where is my order?'));
    expect(stalled.requests[0]).toBe('gpt-4o 200 client_closed');
    const dropped = get('The connection drops').result;
    expect(dropped.error).toBeInstanceOf(StreamBrokenError);
    expect(answerFor('Where is my refund?').startsWith(dropped.text)).toBe(true);
    expect(get('The reader stops').result.closedAfterMs).toBeTypeOf('number');
    expect(get('gpt-4o is down').result.requests.at(-1)).toBe('gpt-4o-mini 200 completed');
    expect(get('gpt-4o is still down').result.requests).toEqual(['gpt-4o-mini 200 completed']);
    expect(lines.at(-1)).toBe('\ngpt-4o breaker: open, gpt-4o-mini breaker: closed');
  });
});
