import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAnthropic } from './fake-anthropic.js';

const fake = new FakeAnthropic(() => 0.5);
const ask = () =>
  new Anthropic({ apiKey: 'sk-ant-demo-local', baseURL: fake.baseURL, maxRetries: 0 }).messages
    .create({
      model: 'claude-haiku-4-5',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Where is order #7?' }],
    })
    .catch((error: unknown) => error);

describe('the demo backup provider (FakeAnthropic)', () => {
  beforeAll(() => fake.start());
  afterAll(() => fake.stop());

  it('answers as the backup model, or 529 overloaded_error at its overload rate', async () => {
    fake.overloadRate = 0;
    expect(await ask()).toMatchObject({
      content: [
        { type: 'text', text: expect.stringMatching(/^\(backup model\) .*About "Where is order #7\?"/) },
      ],
    });
    fake.overloadRate = 1;
    expect(await ask()).toBeInstanceOf(Anthropic.OverloadedError);
    expect(fake.statuses).toEqual({ 200: 1, 529: 1 });
  });
});
