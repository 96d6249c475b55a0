import type { ServerResponse } from 'node:http';
import type { AnswerShape, Behavior, ProviderError, StallBehavior, StreamFault } from './behavior.js';
import { sendJson, waitOrClosed, writeText } from './http-io.js';
import type {
  Completion,
  ParsedRequest,
  ProviderProtocol,
  SseFrame,
  StreamFrames,
} from './protocols/protocol.js';
import { encodeFrames, splitText } from './protocols/protocol.js';
import type { RequestLog, RequestRecord } from './request-log.js';

/** One model request being answered: where to write, what was asked, and the provider's settings. */
export interface Exchange {
  readonly response: ServerResponse;
  readonly record: RequestRecord;
  readonly log: RequestLog;
  readonly protocol: ProviderProtocol;
  readonly request: ParsedRequest;
  readonly requestId: string;
  readonly answer: (prompt: string) => string;
  readonly defaultChunks: number;
  readonly stallMaxMs: number;
}

/** Carries out `behavior` for one parsed model request. Every wait ends early when the client goes away. */
export async function respond(behavior: Behavior, x: Exchange): Promise<void> {
  x.record.behavior = behavior.kind;
  if (!(await waitOrClosed(x.response, behavior.delayMs ?? 0))) return;
  if (behavior.kind === 'status') {
    return sendError(x, behavior.status, behavior.error, behavior.headers, behavior.body);
  }
  if (behavior.kind === 'reset') {
    x.record.end('reset');
    x.response.socket?.resetAndDestroy();
    return;
  }
  const completion = completionOf(behavior, x);
  const fault = behavior.kind === 'answer' ? undefined : behavior;
  return x.request.stream ? stream(x, behavior, completion, fault) : json(x, completion, fault);
}

/** Answers an HTTP error with the protocol's error body (the script's fields over the status' default). */
export function sendError(
  x: Pick<Exchange, 'response' | 'record' | 'log' | 'protocol' | 'requestId'>,
  status: number,
  error?: Partial<ProviderError>,
  headers: Readonly<Record<string, string>> = {},
  body?: unknown,
): void {
  const full = { ...x.protocol.defaultError(status), ...error };
  head(x, status);
  sendJson(x.response, status, body ?? x.protocol.errorBody(full, x.requestId), {
    [x.protocol.requestIdHeader]: x.requestId,
    ...headers,
  });
}

function head(x: Pick<Exchange, 'record' | 'log'>, status: number): void {
  x.record.status = status;
  x.log.countStatus(status);
}

function completionOf(shape: AnswerShape, x: Exchange): Completion {
  const text = shape.text ?? x.answer(x.request.prompt);
  return {
    id: `fake${x.record.index}`,
    model: x.request.model || 'fake-model',
    created: Math.floor(Date.now() / 1000),
    text,
    usage: shape.usage ?? {
      inputTokens: 10 + Math.ceil(x.request.prompt.length / 4),
      outputTokens: Math.max(1, Math.ceil(text.length / 4)),
    },
  };
}

/** Holds the connection open without sending until the client closes it or `maxMs` passes. */
async function stall(x: Exchange, behavior: StallBehavior): Promise<void> {
  if (await waitOrClosed(x.response, behavior.maxMs ?? x.stallMaxMs)) {
    x.record.end('stall_expired');
    x.response.destroy();
  }
}

async function json(x: Exchange, completion: Completion, fault: StreamFault | undefined): Promise<void> {
  if (fault?.kind === 'stall') return stall(x, fault);
  if (fault?.kind === 'error-frame')
    return sendError(x, 500, { ...x.protocol.defaultFrameError, ...fault.error });
  const body = x.protocol.body(completion);
  head(x, 200);
  if (fault === undefined) {
    sendJson(x.response, 200, body, { [x.protocol.requestIdHeader]: x.requestId });
    return;
  }
  const text = JSON.stringify(body);
  x.response.writeHead(200, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    [x.protocol.requestIdHeader]: x.requestId,
  });
  if (await writeText(x.response, text.slice(0, Math.floor(text.length / 2)))) {
    x.record.end('dropped');
    x.response.destroy();
  }
}

async function stream(
  x: Exchange,
  shape: AnswerShape,
  completion: Completion,
  fault: StreamFault | undefined,
): Promise<void> {
  const pieces = splitText(completion.text, shape.chunks ?? x.defaultChunks);
  const stopAt = fault === undefined ? pieces.length : Math.min(fault.afterChunks, pieces.length);
  const frames = x.protocol.stream(completion, x.request);
  head(x, 200);
  x.response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    [x.protocol.requestIdHeader]: x.requestId,
  });
  x.response.flushHeaders();
  const send = (list: readonly SseFrame[]) => writeText(x.response, encodeFrames(list));
  // With `afterChunks: 0` the fault is the first thing after the headers: no preamble frame either.
  if (stopAt > 0 || fault === undefined) {
    if (!(await send(frames.preamble()))) return;
  }
  if (!(await waitOrClosed(x.response, shape.firstChunkDelayMs ?? 0))) return;
  for (let i = 0; i < stopAt; i++) {
    if (i > 0 && !(await waitOrClosed(x.response, shape.chunkDelayMs ?? 0))) return;
    if (!(await send(frames.delta(pieces[i]!)))) return;
    x.record.chunksSent++;
  }
  await finishStream(x, frames, fault);
}

async function finishStream(
  x: Exchange,
  frames: StreamFrames,
  fault: StreamFault | undefined,
): Promise<void> {
  switch (fault?.kind) {
    case undefined:
      if (await writeText(x.response, encodeFrames(frames.finish()))) x.response.end();
      return;
    case 'stall':
      return stall(x, fault);
    case 'drop':
      x.record.end('dropped');
      x.response.destroy();
      return;
    case 'error-frame':
      if (
        await writeText(
          x.response,
          encodeFrames(frames.error({ ...x.protocol.defaultFrameError, ...fault.error })),
        )
      ) {
        x.response.end();
      }
  }
}
