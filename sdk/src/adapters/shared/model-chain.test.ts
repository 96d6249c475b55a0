import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallCancelledError } from '../../errors/call-errors.js';
import { ATTR_RESILIENCE_FALLBACK_KIND, METRIC_FALLBACKS } from '../../semconv.js';
import { hangUntilAborted, httpError } from '../../test-support/errors.js';
import { TestTelemetry } from '../../test-support/otel.js';
import { ModelChain } from './model-chain.js';

interface Model {
  readonly provider: string;
  readonly id: string;
  fail?: unknown;
}

const chainOf = (models: Model[], policy = {}) =>
  new ModelChain('chat', models, m => ({ provider: m.provider, model: m.id }), { registry: null, policy });

describe('ModelChain', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  it('falls back to the next model when the primary fails, counting a model fallback', async () => {
    const primary: Model = { provider: 'openai', id: 'gpt-4o', fail: httpError(503) };
    const backup: Model = { provider: 'anthropic', id: 'claude' };
    const chain = chainOf([primary, backup]);
    const answer = await chain.execute(async model => {
      if (model.fail !== undefined) throw model.fail;
      return `from ${model.id}`;
    });
    expect(answer).toBe('from claude');
    expect(await otel.total(METRIC_FALLBACKS, { [ATTR_RESILIENCE_FALLBACK_KIND]: 'factory' })).toBe(1);
    chain.dispose();
  });

  it('gives each model its own breaker: the primary opens, later calls go straight to the backup', async () => {
    const primary: Model = { provider: 'openai', id: 'gpt-4o', fail: httpError(503) };
    const backup: Model = { provider: 'anthropic', id: 'claude' };
    const chain = chainOf([primary, backup], {
      circuitBreaker: { breaker: { kind: 'consecutive', threshold: 1 } },
    });
    let primaryCalls = 0;
    const run = () =>
      chain.execute(async model => {
        if (model === primary) {
          primaryCalls++;
          throw primary.fail;
        }
        return 'backup';
      });
    await expect(run()).resolves.toBe('backup');
    await expect(run()).resolves.toBe('backup');
    expect(primaryCalls).toBe(1);
    expect(chain.policyOf(primary).circuitBreaker?.state).toBe('open');
    expect(chain.policyOf(backup).circuitBreaker?.state).toBe('closed');
    chain.dispose();
  });

  it('does not fall back on a cancellation or a validation error', async () => {
    const chain = chainOf([
      { provider: 'a', id: 'x' },
      { provider: 'b', id: 'y' },
    ]);
    let backupCalls = 0;
    const controller = new AbortController();
    const cancelled = chain
      .execute((model, input) => (model.provider === 'b' ? backupCalls++ : hangUntilAborted(input)), {
        signal: controller.signal,
      })
      .catch(e => e);
    controller.abort();
    expect(await cancelled).toBeInstanceOf(CallCancelledError);
    await expect(
      chain.execute(model => (model.provider === 'b' ? backupCalls++ : Promise.reject(httpError(400)))),
    ).rejects.toThrow();
    expect(backupCalls).toBe(0);
    chain.dispose();
  });

  it('streams from the backup when the primary fails before its first chunk', async () => {
    const chain = chainOf([
      { provider: 'a', id: 'x' },
      { provider: 'b', id: 'y' },
    ]);
    const stream = await chain.executeStream(async function* (model) {
      if (model.provider === 'a') throw httpError(529);
      yield 'hello from y';
    });
    const chunks: string[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks).toEqual(['hello from y']);
    chain.dispose();
  });

  it('names each model policy after the chain, provider and model, within the name rules', () => {
    const long: Model = { provider: 'my provider/with spaces', id: 'a'.repeat(80) };
    const chain = chainOf([long]);
    expect(chain.policyOf(long).name).toMatch(/^chat\.my_provider_with_spa\.a+$/);
    expect(chain.policyOf(long).name.length).toBeLessThanOrEqual(64);
    chain.dispose();
  });
});
