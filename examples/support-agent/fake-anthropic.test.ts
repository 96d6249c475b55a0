import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAnthropic } from './fake-anthropic.js';

/** Each request draws its latency and whether it is overloaded: 0.5 (and `overloadRate` 0 or 1 decides). */
const fake = new FakeAnthropic(() => 0.5);
const client = () =>
  new Anthropic({ apiKey: 'sk-ant-demo-local', baseURL: fake.baseURL, maxRetries: 0, openTelemetry: false });
const body = {
  model: 'claude-haiku-4-5',
  max_tokens: 64,
  messages: [{ role: 'user' as const, content: 'Where is order #7?' }],
};
const ask = () =>
  client()
    .messages.create(body)
    .catch((error: unknown) => error);
/** Streams an answer: the text and event types received, and the error that ended it, if any. */
async function stream() {
  const events: string[] = [];
  let text = '';
  try {
    for await (const event of await client().messages.create({ ...body, stream: true })) {
      events.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    return { events, text, error: undefined };
  } catch (error) {
    return { events, text, error };
  }
}

describe('the demo backup provider (FakeAnthropic)', () => {
  beforeAll(() => fake.start());
  afterAll(() => fake.stop());

  it('streams its answer as the backup model', async () => {
    fake.overloadRate = 0;
    const { text, error } = await stream();
    expect(error).toBeUndefined();
    expect(text).toMatch(/^\(backup model\) .*About "Where is order #7\?"/);
    expect(await ask()).toMatchObject({ content: [{ type: 'text', text }] });
  });

  it('when overloaded: a 529, or an overloaded_error frame after the first chunk', async () => {
    fake.overloadRate = 1;
    fake.overloadTurn = () => 0; // a 529
    expect(await ask()).toBeInstanceOf(Anthropic.OverloadedError);
    fake.overloadTurn = () => 2; // an error frame after one content chunk
    const { events, error } = await stream();
    expect(events.filter(type => type === 'content_block_delta')).toHaveLength(1);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      error: { type: 'overloaded_error' },
    });
  });
});
