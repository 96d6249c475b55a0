import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerFor } from './answers.js';
import { type Behavior, MAX_CHUNKS, MAX_DELAY_MS, validateBehavior } from './behavior.js';
import { readJson, sendJson } from './http-io.js';
import { anthropicMessages } from './protocols/anthropic-messages.js';
import { openaiChat } from './protocols/openai-chat.js';
import { openaiResponses } from './protocols/openai-responses.js';
import type { ParsedRequest, ProtocolName, ProviderProtocol } from './protocols/protocol.js';
import { type ProviderRequestRecord, RequestLog } from './request-log.js';
import { respond, sendError } from './responder.js';
import { RestartableServer } from './restartable-server.js';

const PROTOCOLS: readonly ProviderProtocol[] = [openaiChat, openaiResponses, anthropicMessages];

/** Settings of a {@link FakeLlmProvider}. */
export interface FakeLlmProviderOptions {
  /** The answer to a prompt (the last user message). @default {@link answerFor}, the demo's canned answers */
  readonly answer?: (prompt: string) => string;
  /** Content chunks of a streamed answer when the behaviour does not say. @default 4 */
  readonly chunks?: number;
  /** Longest stall when a `stall` behaviour does not say, in ms (at most 60 s). @default 10_000 */
  readonly stallMaxMs?: number;
  /** Requests kept in `requests` (older ones are forgotten). @default 1_000 */
  readonly maxRecords?: number;
}

/** What a default-behaviour function is told about the request it answers. */
export interface ProviderRequest extends ParsedRequest {
  /** The request's index in {@link FakeLlmProvider.requests} (0 after a start or `clear()`). */
  readonly index: number;
  readonly protocol: ProtocolName;
}

/** The behaviour for requests the script does not cover: fixed, or chosen per request. */
export type DefaultBehavior = Behavior | ((request: ProviderRequest) => Behavior);

const OPTION_KEYS: readonly string[] = ['answer', 'chunks', 'stallMaxMs', 'maxRecords'];

function checkOption(name: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
}

/**
 * A local, fault-injecting LLM provider on 127.0.0.1 that speaks the wire formats of OpenAI Chat Completions
 * (`POST /v1/chat/completions`), OpenAI Responses (`POST /v1/responses`) and Anthropic Messages
 * (`POST /v1/messages`), JSON and SSE streaming, plus `GET /health`.
 *
 * Each model request takes the next scripted behaviour ({@link script}), or the default one when the script is
 * empty; every request is recorded ({@link requests}) with its outcome and when its connection closed.
 */
export class FakeLlmProvider {
  /** What `GET /health` answers: 200 `{ status: 'ok' }`, or 503 when false. */
  healthy = true;
  private readonly server = new RestartableServer((request, response) => this.serve(request, response));
  private readonly log: RequestLog;
  private readonly queue: Behavior[] = [];
  private fallback: DefaultBehavior = { kind: 'answer' };
  private readonly answer: (prompt: string) => string;
  private readonly chunks: number;
  private readonly stallMaxMs: number;

  constructor(options: FakeLlmProviderOptions = {}) {
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.includes(key)) {
        throw new TypeError(`${key} is not an option (known: ${OPTION_KEYS.join(', ')})`);
      }
    }
    if (options.answer !== undefined && typeof options.answer !== 'function') {
      throw new TypeError(`answer must be a function of the prompt, got ${JSON.stringify(options.answer)}`);
    }
    checkOption('chunks', options.chunks, 1, MAX_CHUNKS);
    checkOption('stallMaxMs', options.stallMaxMs, 0, MAX_DELAY_MS);
    checkOption('maxRecords', options.maxRecords, 1, 1_000_000);
    this.answer = options.answer ?? answerFor;
    this.chunks = options.chunks ?? 4;
    this.stallMaxMs = options.stallMaxMs ?? 10_000;
    this.log = new RequestLog(options.maxRecords ?? 1_000);
  }

  /** Creates a provider and starts it on a free port. */
  static async start(options?: FakeLlmProviderOptions): Promise<FakeLlmProvider> {
    const provider = new FakeLlmProvider(options);
    await provider.listen();
    return provider;
  }

  /** Starts (or restarts) listening; port 0 picks a free port, which later restarts keep. */
  listen(port?: number): Promise<number> {
    return this.server.listen(port);
  }

  /** Stops listening and drops open connections: clients get ECONNREFUSED until {@link listen}. */
  refuse(): Promise<void> {
    this.log.closeOpen();
    return this.server.refuse();
  }

  /** Shuts the provider down (the same as {@link refuse}; it can listen again). */
  close(): Promise<void> {
    return this.refuse();
  }

  /** Queues behaviours for the next model requests, consumed in order (validated now). */
  script(...behaviors: Behavior[]): this {
    for (const behavior of behaviors) validateBehavior(behavior);
    this.queue.push(...behaviors);
    return this;
  }

  /** Sets the behaviour of requests the script does not cover (a function is called per request). */
  setDefault(behavior: DefaultBehavior): this {
    this.fallback = typeof behavior === 'function' ? behavior : validateBehavior(behavior);
    return this;
  }

  /** Scripted behaviours not consumed yet. */
  get pending(): number {
    return this.queue.length;
  }

  /** The model requests seen (health checks excluded), oldest first. */
  get requests(): readonly ProviderRequestRecord[] {
    return this.log.all;
  }

  /** Resolves with the record of the next model request to arrive. */
  nextRequest(): Promise<ProviderRequestRecord> {
    return this.log.next();
  }

  /** Responses sent, by HTTP status (a copy). */
  get statusCounts(): Readonly<Record<string, number>> {
    return this.log.statusCounts;
  }

  /** Forgets the script, the requests and the status counts (the default behaviour stays). */
  clear(): void {
    this.queue.length = 0;
    this.log.clear();
  }

  get isListening(): boolean {
    return this.server.isListening;
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return this.server.url;
  }

  /** The `baseURL` of the `openai` client (`<url>/v1`). */
  get openaiBaseURL(): string {
    return `${this.server.url}/v1`;
  }

  /** The `baseURL` of the `@anthropic-ai/sdk` client. */
  get anthropicBaseURL(): string {
    return this.server.url;
  }

  get healthURL(): string {
    return `${this.server.url}/health`;
  }

  private serve(request: IncomingMessage, response: ServerResponse): void {
    this.handle(request, response).catch((error: unknown) => {
      if (response.headersSent) response.destroy();
      else sendJson(response, 500, { error: { type: 'fake_provider_error', message: String(error) } });
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?', 1)[0]!;
    if (request.method === 'GET' && path === '/health') {
      sendJson(response, this.healthy ? 200 : 503, { status: this.healthy ? 'ok' : 'unavailable' });
      return;
    }
    const record = this.log.open(request.method ?? '', path, response);
    const requestId = `req_fake${record.index}`;
    const protocol = PROTOCOLS.find(p => p.path === path);
    if (protocol === undefined || request.method !== 'POST') {
      request.resume();
      record.status = 404;
      this.log.countStatus(404);
      return sendJson(response, 404, {
        type: 'error',
        error: { type: 'not_found_error', message: `No route ${request.method} ${path.slice(0, 100)}` },
      });
    }
    record.protocol = protocol.name;
    const exchange = { response, record, log: this.log, protocol, requestId };
    const body = await readJson(request);
    const parsed = body.ok ? protocol.parse(body.value) : undefined;
    if (parsed === undefined) {
      const tooLarge = !body.ok && body.reason === 'too_large';
      return sendError(exchange, tooLarge ? 413 : 400, {
        message: tooLarge ? 'Request body too large.' : `Not a ${protocol.name} request body.`,
      });
    }
    record.model = parsed.model;
    record.stream = parsed.stream;
    const behavior =
      this.queue.shift() ??
      (typeof this.fallback === 'function'
        ? validateBehavior(this.fallback({ index: record.index, protocol: protocol.name, ...parsed }))
        : this.fallback);
    await respond(behavior, {
      ...exchange,
      request: parsed,
      answer: this.answer,
      defaultChunks: this.chunks,
      stallMaxMs: this.stallMaxMs,
    });
  }
}
