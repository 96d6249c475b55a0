import type { IncomingMessage, ServerResponse } from 'node:http';
import { delay, json, RestartableServer, readJson } from './http-server.js';
import type { ProviderMode } from './scenario.js';

/** What the fake provider answered, by HTTP status (0 = connection refused is counted by the client side). */
export type StatusCounts = Record<string, number>;

const ANSWERS: readonly [RegExp, string][] = [
  [/refund/i, 'Refunds are issued to the original payment method within 5 business days of approval.'],
  [/ship|deliver/i, 'Standard shipping takes 3-5 business days; express orders arrive in 1-2 days.'],
  [/order/i, 'I found your order. It left our warehouse and is on its way.'],
  [/password|account|login/i, 'You can reset your password from the sign-in page with "Forgot password".'],
];

function answerFor(question: string): string {
  return (
    ANSWERS.find(([pattern]) => pattern.test(question))?.[1] ?? 'Happy to help! Could you tell me a bit more?'
  );
}

/**
 * An OpenAI-compatible chat-completions server on 127.0.0.1 that follows the demo's fault schedule:
 * 429 with Retry-After, 503 overloaded, refused connections, and a noisy recovery.
 */
export class FakeOpenAI {
  mode: ProviderMode = 'healthy';
  /** Error rate while `rate_limited` / `recovering`. */
  errorRate = 0;
  readonly statuses: StatusCounts = {};
  private readonly server = new RestartableServer((req, res) => void this.handle(req, res));

  constructor(private readonly random: () => number) {}

  start(port = 0): Promise<number> {
    return this.server.listen(port);
  }

  /** Switches mode; `outage_refused` stops listening, any other mode listens again on the same port. */
  async setMode(mode: ProviderMode, errorRate = 0): Promise<void> {
    this.mode = mode;
    this.errorRate = errorRate;
    if (mode === 'outage_refused') await this.server.refuse();
    else await this.server.listen();
  }

  get baseURL(): string {
    return `${this.server.url}/v1`;
  }

  get healthURL(): string {
    return `${this.server.url}/health`;
  }

  stop(): Promise<void> {
    return this.server.refuse();
  }

  private count(status: number): void {
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method === 'GET' && request.url === '/health') {
      // While recovering the service is up (its errors are sporadic): health checks pass.
      const healthy = this.mode !== 'outage_503';
      return json(response, healthy ? 200 : 503, { status: healthy ? 'ok' : 'unavailable' });
    }
    if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
      return json(response, 404, {
        error: { message: `Unknown route ${request.url}`, type: 'invalid_request_error' },
      });
    }
    const body = (await readJson(request)) as
      | { model?: string; messages?: { content?: string }[] }
      | undefined;
    const model = body?.model ?? 'gpt-4o-mini';
    const question = body?.messages?.at(-1)?.content ?? '';
    if (this.mode === 'outage_503') {
      if (!(await delay(20 + this.random() * 60, request))) return;
      this.count(503);
      return json(response, 503, {
        error: {
          message: 'The server is overloaded or not ready yet.',
          type: 'server_error',
          param: null,
          code: null,
        },
      });
    }
    if (this.mode === 'rate_limited' && this.random() < this.errorRate) {
      const wait = 1 + Math.floor(this.random() * 2);
      this.count(429);
      return json(
        response,
        429,
        {
          error: {
            message: `Rate limit reached for ${model} in organization org-demo on requests per min (RPM): Limit 60, Used 60, Requested 1. Please try again in ${wait}s.`,
            type: 'requests',
            param: null,
            code: 'rate_limit_exceeded',
          },
        },
        {
          'retry-after': String(wait),
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': `${wait}s`,
        },
      );
    }
    const slow = this.mode === 'recovering';
    if (!(await delay((slow ? 200 : 60) + this.random() * (slow ? 400 : 180), request))) return;
    if (this.mode === 'recovering' && this.random() < this.errorRate) {
      this.count(500);
      return json(response, 500, {
        error: {
          message: 'The server had an error while processing your request.',
          type: 'server_error',
          code: null,
        },
      });
    }
    this.count(200);
    const content = answerFor(question);
    return json(response, 200, {
      id: `chatcmpl-${Math.floor(this.random() * 1e12).toString(36)}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: `${model}-2024-07-18`,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 40 + question.length,
        completion_tokens: Math.ceil(content.length / 4),
        total_tokens: 40 + question.length + Math.ceil(content.length / 4),
      },
    });
  }
}
