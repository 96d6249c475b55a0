import type { IncomingMessage, ServerResponse } from 'node:http';
import { delay, json, RestartableServer, readJson } from './http-server.js';

/**
 * An Anthropic Messages-compatible server on 127.0.0.1: the backup provider. Slower than the primary and
 * occasionally `529 overloaded_error`, so the demo also shows how Anthropic's errors are classified.
 */
export class FakeAnthropic {
  readonly statuses: Record<string, number> = {};
  private readonly server = new RestartableServer((req, res) => void this.handle(req, res));

  /** Share of requests answered 529 `overloaded_error`. */
  overloadRate = 0.02;

  constructor(private readonly random: () => number) {}

  start(port = 0): Promise<number> {
    return this.server.listen(port);
  }

  get baseURL(): string {
    return this.server.url;
  }

  stop(): Promise<void> {
    return this.server.refuse();
  }

  private count(status: number): void {
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST' || request.url !== '/v1/messages') {
      return json(response, 404, { type: 'error', error: { type: 'not_found_error', message: 'Not found' } });
    }
    const body = (await readJson(request)) as
      | { model?: string; messages?: { content?: unknown }[] }
      | undefined;
    if (!(await delay(150 + this.random() * 300, request))) return;
    if (this.random() < this.overloadRate) {
      this.count(529);
      return json(response, 529, {
        type: 'error',
        error: { type: 'overloaded_error', message: 'Overloaded' },
      });
    }
    this.count(200);
    const question = String(body?.messages?.at(-1)?.content ?? '');
    const text = `(backup model) Thanks for your patience. About "${question.slice(0, 60)}": a support specialist will confirm the details shortly.`;
    return json(response, 200, {
      id: `msg_${Math.floor(this.random() * 1e12).toString(36)}`,
      type: 'message',
      role: 'assistant',
      model: body?.model ?? 'claude-haiku-4-5',
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 30 + question.length, output_tokens: Math.ceil(text.length / 4) },
    });
  }
}
