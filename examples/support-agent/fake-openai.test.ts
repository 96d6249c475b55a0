import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { answerFor } from '../fake-providers/index.js';
import { FakeOpenAI } from './fake-openai.js';

/** With random() = 0 every draw picks the shortest delay, any error rate > 0 fires, and the first fault. */
let fake = new FakeOpenAI(() => 0);
const client = () => new OpenAI({ apiKey: 'sk-demo-local', baseURL: fake.baseURL, maxRetries: 0 });
const ask = () =>
  client()
    .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'my refund?' }] })
    .catch((error: unknown) => error);
const health = () =>
  fetch(fake.healthURL).then(
    r => r.status,
    () => 'refused',
  );

describe('the demo primary provider (FakeOpenAI) follows the scenario modes', () => {
  beforeEach(async () => {
    fake = new FakeOpenAI(() => 0);
    await fake.start();
  });
  afterEach(() => fake.stop());

  it('healthy: answers from the canned answers; health 200', async () => {
    await fake.setMode('healthy');
    expect(await ask()).toMatchObject({ choices: [{ message: { content: answerFor('refund') } }] });
    expect(await health()).toBe(200);
  });

  it('outage_503: 503 overloaded, health 503', async () => {
    await fake.setMode('outage_503');
    expect(await ask()).toMatchObject({
      status: 503,
      message: '503 The server is overloaded or not ready yet.',
    });
    expect(await health()).toBe(503);
  });

  it('with stream faults: a streamed answer breaks (here: dropped after two chunks), a JSON one does not', async () => {
    await fake.stop();
    fake = new FakeOpenAI(() => 0);
    await fake.start();
    fake.streamFaults = 1;
    fake.streamFaultTurn = () => 3; // the fourth of six: a drop mid-answer
    const stream = await client().chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'my refund?' }],
      stream: true,
    });
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'terminated' });
    expect(answerFor('refund').startsWith(text) && text.length > 0).toBe(true);
    expect(await ask()).toMatchObject({ choices: [{ message: { content: answerFor('refund') } }] });
  });

  it('outage_refused: connections refused, then back on the same port when recovering (500s, health 200)', async () => {
    const url = fake.baseURL;
    await fake.setMode('outage_refused');
    expect(await ask()).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(await health()).toBe('refused');
    await fake.setMode('recovering', 0.2);
    expect(fake.baseURL).toBe(url);
    expect(await ask()).toBeInstanceOf(OpenAI.InternalServerError);
    expect(await health()).toBe(200);
    expect(fake.statuses).toEqual({ 500: 1 });
  });
});
