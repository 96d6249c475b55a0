import { ToolMessage } from '@langchain/core/messages';
import { GraphInterrupt } from '@langchain/langgraph';
import { type ToolCallRequest, ToolInvocationError } from 'langchain';
import { describe, expect, it } from 'vitest';
import { CallCancelledError } from '../../errors/call-errors.js';
import { createPolicy } from '../../pipeline/create-policy.js';
import { httpError } from '../../test-support/errors.js';
import { ToolCallPolicies } from './tool-calls.js';

const toolCall = { name: 'lookup', args: { id: '42' }, id: 'call-1', type: 'tool_call' as const };
const lookup = { name: 'lookup', invoke: async () => 'shipped' };

function requestFor(tool: unknown = lookup, signal?: AbortSignal): ToolCallRequest {
  return { toolCall, tool, state: { messages: [] }, runtime: signal ? { signal } : {} } as never;
}

const ok = (content = 'done') => new ToolMessage({ content, tool_call_id: 'call-1', name: 'lookup' });

describe('ToolCallPolicies', () => {
  it('passes LangGraph control flow (an interrupt) through untouched and not as a failure', async () => {
    const policies = new ToolCallPolicies(
      't.tool',
      { circuitBreaker: { breaker: { kind: 'consecutive', threshold: 1 } } },
      null,
    );
    const interrupt = new GraphInterrupt([]);
    await expect(policies.run(requestFor(), async () => Promise.reject(interrupt))).rejects.toBe(interrupt);
    expect(policies.policyOf('lookup').circuitBreaker?.state).toBe('closed');
    policies.dispose();
  });

  it("passes an argument error through to LangChain's self-correction, never retrying it", async () => {
    const policies = new ToolCallPolicies('t.tool', { retry: { maxRetries: 3, initialDelayMs: 0 } }, null);
    const invalid = new ToolInvocationError(new Error('id: expected string'), toolCall);
    let calls = 0;
    const run = policies.run(requestFor(), async () => {
      calls++;
      throw invalid;
    });
    await expect(run).rejects.toBe(invalid);
    expect(calls).toBe(1);
    policies.dispose();
  });

  it('tells the model a tool is unavailable when its breaker is open, without running it', async () => {
    const policies = new ToolCallPolicies(
      't.tool',
      { circuitBreaker: { breaker: { kind: 'consecutive', threshold: 1 } } },
      null,
    );
    let calls = 0;
    const failing = async () => {
      calls++;
      throw httpError(503);
    };
    const first = (await policies.run(requestFor(), failing)) as ToolMessage;
    expect(first.status).toBe('error');
    expect(first.text).toMatch(/^Error: HTTP 503\n Please fix your mistakes\.$/);
    const second = (await policies.run(requestFor(), failing)) as ToolMessage;
    expect(second.status).toBe('error');
    expect(second.text).toMatch(/^Error: the lookup tool is unavailable \(circuit_open\)/);
    expect(calls).toBe(1);
    policies.dispose();
  });

  it('gives each tool its own policy, and lets unknown or provider tools through to LangChain', async () => {
    const policies = new ToolCallPolicies('support.tool', {}, null);
    expect(policies.policyOf('lookup').name).toBe('support.tool.lookup');
    expect(policies.policyOf('refund order').name).toBe('support.tool.refund_order');
    expect(policies.policyOf('lookup')).toBe(policies.policyOf('lookup'));
    expect(await policies.run(requestFor(undefined), async () => ok('not a valid tool'))).toMatchObject({
      content: 'not a valid tool',
    });
    policies.dispose();
  });

  it('shares a ResiliencePolicy given for every tool', () => {
    const shared = createPolicy('tools', { registry: null });
    const policies = new ToolCallPolicies('t.tool', shared, null);
    expect(policies.policyOf('a')).toBe(shared);
    expect(policies.policyOf('b')).toBe(shared);
    shared.dispose();
  });

  it('rethrows when the run is cancelled', async () => {
    const policies = new ToolCallPolicies('t.tool', {}, null);
    const controller = new AbortController();
    const run = policies.run(requestFor(lookup, controller.signal), request =>
      (request.tool as { invoke: (i: unknown, c: { signal?: AbortSignal }) => Promise<never> }).invoke(
        {},
        {},
      ),
    );
    controller.abort();
    await expect(run).rejects.toBeInstanceOf(CallCancelledError);
    policies.dispose();
  });
});
