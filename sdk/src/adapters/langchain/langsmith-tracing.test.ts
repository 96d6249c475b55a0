/**
 * With LangSmith tracing switched on by environment (the usual LangSmith setup), a trace records one chat-model
 * run per model call, the resilient model's: never the attempts behind it, so the served answer's tokens are
 * counted once (regression: each attempt was recorded beside the resilient model's run).
 */
import { createServer, type Server } from 'node:http';
import { awaitAllCallbacks } from '@langchain/core/callbacks/promises';
import { createAgent } from 'langchain';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { httpError } from '../../test-support/errors.js';
import { resilienceMiddleware } from './middleware.js';
import { ScriptedChatModel } from './test-support/scripted-chat-model.js';

/** A local LangSmith endpoint that keeps the bodies of the runs posted to it. */
async function startLangSmith(): Promise<{ server: Server; bodies: string[]; url: string }> {
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', chunk => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, bodies, url: `http://127.0.0.1:${port}` };
}

/** Names of the LLM runs in the posted bodies (a run may be posted, then patched: counted once by id). */
function llmRuns(bodies: readonly string[]): string[] {
  const runs = new Map<string, string>();
  for (const match of bodies.join('\n').matchAll(/"id":"([^"]+)","name":"([^"]+)"[^{}]*"run_type":"llm"/g))
    runs.set(match[1] as string, match[2] as string);
  return [...runs.values()];
}

describe('LangSmith tracing (LANGSMITH_TRACING=true) with resilienceMiddleware', () => {
  // One endpoint for the file: LangChain keeps the LangSmith client (and its endpoint) it made first.
  let langsmith: Awaited<ReturnType<typeof startLangSmith>>;
  beforeAll(async () => {
    langsmith = await startLangSmith();
  });
  afterAll(async () => {
    await new Promise(resolve => langsmith.server.close(resolve));
  });
  beforeEach(() => {
    langsmith.bodies.length = 0;
    vi.stubEnv('LANGSMITH_TRACING', 'true');
    vi.stubEnv('LANGSMITH_ENDPOINT', langsmith.url);
    vi.stubEnv('LANGSMITH_API_KEY', 'lsv2-test-not-a-real-key');
  });

  it.each(['invoke', 'stream'])('records the resilient model run only, not the attempts (%s)', async how => {
    const primary = new ScriptedChatModel('gpt-x', [{ fail: httpError(503) }]);
    const backup = new ScriptedChatModel('claude-y', [
      { text: 'from backup', usage: { input: 5, output: 2 } },
    ]);
    const middleware = resilienceMiddleware({
      registry: null,
      fallbacks: [backup],
      policy: { retry: { maxRetries: 0 } },
    });
    const agent = createAgent({ model: primary, tools: [], middleware: [middleware] });
    const input = { messages: [{ role: 'user', content: 'hi' }] };
    if (how === 'invoke') expect((await agent.invoke(input)).messages.at(-1)?.text).toBe('from backup');
    else for await (const _ of await agent.stream(input, { streamMode: 'messages' }));
    expect(primary.calls).toHaveLength(1);
    await awaitAllCallbacks();
    await vi.waitFor(() => expect(llmRuns(langsmith.bodies)).toContain('ResilientChatModel'), {
      timeout: 5_000,
    });
    expect(new Set(llmRuns(langsmith.bodies))).toEqual(new Set(['ResilientChatModel']));
    middleware.dispose();
  });
});
