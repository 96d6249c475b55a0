/**
 * # Fake LLM providers
 *
 * One local, fault-injecting LLM provider for the demo, the examples and the SDK's stream and adapter tests. It
 * speaks the wire formats the real clients parse, so tests run through the real `openai` and `@anthropic-ai/sdk`
 * clients (and the frameworks built on them):
 *
 * | route | protocol | streaming |
 * |---|---|---|
 * | `POST /v1/chat/completions` | OpenAI Chat Completions | `data:` chunks, usage chunk with `stream_options.include_usage`, `data: [DONE]`; error frame `data: {"error":{...}}` |
 * | `POST /v1/responses` | OpenAI Responses (`@openai/agents`, `@ai-sdk/openai` default) | `event: response.*` typed events ending in `response.completed` with usage; error frame `event: error` |
 * | `POST /v1/messages` | Anthropic Messages | `message_start` … `message_stop`; error frame `event: error` `{"type":"error","error":{"type":"overloaded_error",...}}` |
 * | `GET /health` | 200 or 503 after `provider.healthy` | |
 *
 * ```ts
 * const provider = await FakeLlmProvider.start();
 * const openai = new OpenAI({ apiKey: 'sk-test', baseURL: provider.openaiBaseURL, maxRetries: 0 });
 * const anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: provider.anthropicBaseURL, maxRetries: 0 });
 *
 * provider.script(
 *   faults.rateLimited({ retryAfterSeconds: 2 }),  // 1st request: 429 with retry-after: 2
 *   faults.stall(2),                               // 2nd: two content chunks, then silence until the client aborts
 *   faults.drop(1, { chunks: 5 }),                 // 3rd: one chunk of five, then the socket is destroyed
 *   faults.errorFrame(0),                          // 4th: HTTP 200 whose first frame is the protocol's error
 *   { kind: 'answer', chunks: 8, chunkDelayMs: 5 }, // 5th: eight slow chunks
 * );
 * provider.setDefault({ kind: 'answer' });          // every later request (also a function of the request)
 * await provider.refuse();                          // connection refused ...
 * await provider.listen();                          // ... and back on the same port
 *
 * const [record] = provider.requests;               // { protocol, model, stream, behavior, status, chunksSent,
 * await record.closed;                              //   outcome, clientAborted, startedAt, closedAt }
 * await provider.close();
 * ```
 *
 * Answers are deterministic: `answer(prompt)` (default: the support demo's canned {@link ANSWERS}) split into
 * `chunks` (default 4) near-equal pieces; usage is input `10 + ceil(prompt chars / 4)`, output
 * `max(1, ceil(text chars / 4))` unless the behaviour sets `usage`. Every scripted delay is bounded (60 s) and
 * every wait ends when the client closes the connection, so a test's own abort releases a stall at once.
 * A stream fault `afterChunks: N` comes after N content chunks (the preamble frames go out with the headers);
 * with N = 0 it is the first thing after the headers, before any preamble frame.
 *
 * What the real clients (`openai` 7, `@anthropic-ai/sdk` 1.12, maxRetries 0) see, pinned by the tests here:
 * - status faults: the client's status error class (`RateLimitError`, `InternalServerError`, `BadRequestError`,
 *   `AuthenticationError`, Anthropic `OverloadedError`) with the response headers and `requestID`;
 * - `reset`: `APIConnectionError` (cause chain `ECONNRESET`); after `refuse()`: `APIConnectionError`
 *   (`ECONNREFUSED`, or `UND_ERR_SOCKET` on a pooled keep-alive connection the client has not seen closed yet);
 * - `drop` and an expired `stall`, mid-stream: iterating the stream throws undici's `TypeError: terminated`
 *   (cause `UND_ERR_SOCKET`), not an `APIError`;
 * - `error-frame`: an `APIError` with `status` undefined, carrying the provider's error object (OpenAI
 *   `type`/`code`, Anthropic `error.error.type === 'overloaded_error'`);
 * - the caller's abort during a stall: both clients end the stream quietly (iteration is `done`, nothing thrown),
 *   and the request's record closes with `outcome: 'client_closed'`.
 */
export { ANSWERS, answerFor, DEFAULT_ANSWER } from './answers.js';
export {
  type AnswerBehavior,
  type AnswerShape,
  type Behavior,
  type DropBehavior,
  type ErrorFrameBehavior,
  MAX_CHUNKS,
  MAX_DELAY_MS,
  type ProviderError,
  type ResetBehavior,
  type StallBehavior,
  type StatusBehavior,
  type StreamFault,
  type Usage,
  validateBehavior,
} from './behavior.js';
export {
  type DefaultBehavior,
  FakeLlmProvider,
  type FakeLlmProviderOptions,
  type ProviderRequest,
} from './fake-llm-provider.js';
export { faults, type RateLimitOptions, type StatusFaultOptions } from './faults.js';
export type { ParsedRequest, ProtocolName } from './protocols/protocol.js';
export type { ProviderRequestRecord, RequestOutcome } from './request-log.js';
