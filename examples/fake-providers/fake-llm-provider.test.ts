import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { answerFor } from './answers.js';
import { MAX_DELAY_MS, validateBehavior } from './behavior.js';
import { FakeLlmProvider, type ProviderRequest } from './fake-llm-provider.js';
import { faults } from './faults.js';
import { splitText } from './protocols/protocol.js';
import { openaiFor, useFakeProvider } from './test-clients.js';

const provider = useFakeProvider();
const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'refund please' }] };
const ask = () =>
  openaiFor(provider())
    .chat.completions.create(request)
    .then(
      c => c.choices[0]?.message.content,
      (e: { status?: number }) => e.status,
    );

const post = (path: string, body: string) =>
  fetch(`${provider().url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });

describe('FakeLlmProvider: script and default', () => {
  it('consumes scripted behaviours in order, then falls back to the default', async () => {
    provider().script(faults.serverError(), faults.rateLimited(), { kind: 'answer', text: 'scripted' });
    provider().setDefault(faults.unavailable());
    expect(provider().pending).toBe(3);
    expect([await ask(), await ask(), await ask(), await ask()]).toEqual([500, 429, 'scripted', 503]);
    expect(provider().pending).toBe(0);
    expect(provider().statusCounts).toEqual({ 200: 1, 429: 1, 500: 1, 503: 1 });
    expect(provider().requests.map(r => r.behavior)).toEqual(['status', 'status', 'answer', 'status']);
  });

  it('calls a default function with what the request asked', async () => {
    const seen: ProviderRequest[] = [];
    provider().setDefault(r => {
      seen.push(r);
      return { kind: 'answer', text: `echo ${r.prompt}` };
    });
    expect(await ask()).toBe('echo refund please');
    expect(seen).toEqual([
      {
        index: 0,
        protocol: 'openai.chat',
        model: 'gpt-4o-mini',
        stream: false,
        prompt: 'refund please',
        includeUsage: false,
      },
    ]);
  });

  it('answers 500 (and keeps serving) when a default function throws or returns an invalid behaviour', async () => {
    provider().setDefault(() => ({ kind: 'stall', afterChunks: -1 }));
    expect(await ask()).toBe(500);
    provider().setDefault(() => {
      throw new Error('scenario bug');
    });
    expect(await ask()).toBe(500);
    provider().setDefault({ kind: 'answer' });
    expect(await ask()).toBe(answerFor('refund'));
  });

  it('clear() forgets the script, the records and the counts', async () => {
    await ask();
    provider().script(faults.serverError());
    provider().clear();
    expect([provider().pending, provider().requests.length, provider().statusCounts]).toEqual([0, 0, {}]);
    expect(await ask()).toBe(answerFor('refund'));
    expect(provider().requests[0]?.index).toBe(0);
  });

  it('nextRequest() resolves with the record of the next request', async () => {
    const next = provider().nextRequest();
    await ask();
    expect(await next).toMatchObject({ index: 0, method: 'POST', path: '/v1/chat/completions', status: 200 });
  });
});

describe('FakeLlmProvider: connection refused', () => {
  it('refuses connections after refuse() and serves again on the same port after listen()', async () => {
    const port = new URL(provider().url).port;
    await provider().refuse();
    expect(provider().isListening).toBe(false);
    const error = await openaiFor(provider())
      .chat.completions.create(request)
      .catch(e => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(provider().requests).toEqual([]);
    await provider().listen();
    expect(new URL(provider().url).port).toBe(port);
    expect(await ask()).toBe(answerFor('refund'));
  });

  it('records a request open while the server stops as server_closed', async () => {
    provider().script(faults.stall(0));
    const pending = ask();
    const record = await provider().nextRequest();
    await provider().refuse();
    await provider().listen();
    expect(await pending).toBeUndefined(); // APIConnectionError: no status
    expect(await record.closed).toMatchObject({ outcome: 'server_closed', clientAborted: false });
  });
});

describe('FakeLlmProvider: routes and hostile input', () => {
  it('answers GET /health from `healthy`, without recording it', async () => {
    expect((await fetch(provider().healthURL)).status).toBe(200);
    provider().healthy = false;
    const response = await fetch(provider().healthURL);
    provider().healthy = true;
    expect([response.status, await response.json()]).toEqual([503, { status: 'unavailable' }]);
    expect(provider().requests).toEqual([]);
  });

  it('answers 404 to an unknown route and 400 to a body that is not a request of the protocol', async () => {
    expect((await post('/v1/embeddings', '{}')).status).toBe(404);
    const invalid = await post('/v1/messages', '{"messages": 3}');
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect((await post('/v1/chat/completions', '{not json')).status).toBe(400);
    expect(provider().requests.map(r => r.status)).toEqual([404, 400, 400]);
  });

  it('answers 413 to a body over 1 MB', async () => {
    const response = await post('/v1/responses', `{"input":"${'x'.repeat(1_100_000)}"}`);
    expect(response.status).toBe(413);
  });

  it('keeps at most maxRecords requests', async () => {
    const small = await FakeLlmProvider.start({ maxRecords: 2 });
    try {
      const client = openaiFor(small);
      for (let i = 0; i < 5; i++) await client.chat.completions.create(request);
      expect(small.requests.map(r => r.index)).toEqual([3, 4]);
    } finally {
      await small.close();
    }
  });
});

describe('behaviour validation', () => {
  it.each([
    [
      { kind: 'explode' },
      TypeError,
      'behavior.kind must be one of answer, status, reset, stall, drop, error-frame, got "explode"',
    ],
    [
      { kind: 'status', status: 200 },
      RangeError,
      'behavior.status must be an integer in [400, 599], got 200',
    ],
    [
      { kind: 'answer', delayMs: MAX_DELAY_MS + 1 },
      RangeError,
      `behavior.delayMs must be a number of ms in [0, ${MAX_DELAY_MS}], got 60001`,
    ],
    [
      { kind: 'answer', chunkDelayMs: -1 },
      RangeError,
      'behavior.chunkDelayMs must be a number of ms in [0, 60000], got -1',
    ],
    [{ kind: 'answer', chunks: 0 }, RangeError, 'behavior.chunks must be an integer in [1, 100000], got 0'],
    [{ kind: 'drop' }, TypeError, 'behavior.afterChunks is required for kind drop'],
    [
      { kind: 'stall', afterChunks: 1, maxMs: Number.POSITIVE_INFINITY },
      RangeError,
      'behavior.maxMs must be a number of ms in [0, 60000], got null',
    ],
  ])('rejects %j', (behavior, errorClass, message) => {
    expect(() => validateBehavior(behavior as never)).toThrow(errorClass);
    expect(() => validateBehavior(behavior as never)).toThrow(message);
    expect(() => provider().script(behavior as never)).toThrow(message);
  });

  it('rejects bad provider options naming the option', () => {
    expect(() => new FakeLlmProvider({ stallMaxMs: 120_000 })).toThrow(
      new RangeError('stallMaxMs must be an integer in [0, 60000], got 120000'),
    );
    expect(() => new FakeLlmProvider({ chunks: 1.5 })).toThrow(/^chunks must be an integer/);
    expect(() => new FakeLlmProvider({ answer: 'Refunds take 5 days.' as never })).toThrow(
      new TypeError('answer must be a function of the prompt, got "Refunds take 5 days."'),
    );
    expect(() => new FakeLlmProvider({ chunk: 3 } as never)).toThrow(
      new TypeError('chunk is not an option (known: answer, chunks, stallMaxMs, maxRecords)'),
    );
  });
});

describe('splitText', () => {
  it('splits into near-equal pieces that join back, never more pieces than characters', () => {
    expect(splitText('abcdefg', 3)).toEqual(['ab', 'cd', 'efg']);
    expect(splitText('ab', 5)).toEqual(['a', 'b']);
    expect(splitText('', 4)).toEqual(['']);
  });
});
