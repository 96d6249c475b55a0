import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicyRegistry } from '../../core/registry.js';
import { CallCancelledError } from '../../errors/call-errors.js';
import { createPolicy } from '../../pipeline/create-policy.js';
import { createCircuitBreaker } from '../../policies/create-circuit-breaker.js';
import { ATTR_RESILIENCE_FALLBACK_KIND, METRIC_FALLBACKS } from '../../semconv.js';
import { hangUntilAborted, httpError } from '../../test-support/errors.js';
import { TestTelemetry } from '../../test-support/otel.js';
import { ModelChain, type ModelChainOptions, type ModelKey } from './model-chain.js';

interface Model {
  readonly provider: string;
  readonly id: string;
  fail?: unknown;
}

const keyOf = (m: Model): ModelKey => ({ provider: m.provider, model: m.id });
const chainOf = (models: Model[], policy: ModelChainOptions['policy'] = {}, name = 'chat') =>
  new ModelChain(name, models, keyOf, { registry: null, policy });
/** A chain `chat` of models a/x and b/y. */
const AB: readonly Model[] = [
  { provider: 'a', id: 'x' },
  { provider: 'b', id: 'y' },
];
const abChain = (options: ModelChainOptions) => new ModelChain('chat', AB, keyOf, options);

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

  describe('with policy as a function of the model', () => {
    it('asks it once per distinct model, so two chains can share a provider breaker', async () => {
      const openaiBreaker = createCircuitBreaker('openai', {
        breaker: { kind: 'consecutive', threshold: 1 },
        registry: null,
      });
      const asked: string[] = [];
      const policy = ({ provider, model }: ModelKey) => {
        asked.push(`${provider}/${model}`);
        return provider === 'openai' ? { circuitBreaker: openaiBreaker } : { retry: {} };
      };
      const gpt: Model = { provider: 'openai', id: 'gpt-4o', fail: httpError(503) };
      const mini: Model = { provider: 'openai', id: 'gpt-4o-mini' };
      const claude: Model = { provider: 'anthropic', id: 'claude' };
      const first = chainOf([gpt, claude, gpt], policy, 'first');
      const second = chainOf([mini, claude], policy, 'second');
      expect(asked).toEqual(['openai/gpt-4o', 'anthropic/claude', 'openai/gpt-4o-mini', 'anthropic/claude']);
      const served = (model: Model) => (model.fail === undefined ? model.id : Promise.reject(model.fail));
      await expect(first.execute(served)).resolves.toBe('claude');
      // The breaker the first chain opened keeps the second chain's primary (another openai model) out.
      expect(openaiBreaker.state).toBe('open');
      let miniCalls = 0;
      await expect(second.execute(model => (model === mini ? ++miniCalls : served(model)))).resolves.toBe(
        'claude',
      );
      expect(miniCalls).toBe(0);
      first.dispose();
      second.dispose();
      expect(openaiBreaker.state).toBe('open'); // a shared breaker belongs to its creator
      openaiBreaker.dispose();
    });

    it('uses a policy it returns as it is, and leaves that policy to its owner', async () => {
      const registry = new PolicyRegistry();
      const shared = createPolicy('shared', { registry });
      const chain = abChain({
        registry,
        policy: ({ provider }) => (provider === 'a' ? shared : { retry: {} }),
      });
      expect(chain.policyOf({ provider: 'a', id: 'x' })).toBe(shared);
      expect(await chain.execute(model => model.id)).toBe('x');
      chain.dispose();
      expect(registry.list('policy').map(p => p.name)).toEqual(['shared']);
      shared.dispose();
    });

    it('disposes what it created when a model policy cannot be made (no policy left in the registry)', () => {
      const registry = new PolicyRegistry();
      const failing = new Error('no policy for b');
      const build = () =>
        abChain({
          registry,
          policy: ({ provider }) => {
            if (provider === 'b') throw failing;
            return {};
          },
        });
      expect(build).toThrow(failing);
      expect(registry.list('policy')).toEqual([]);
      // So the same names can be used again.
      expect(build).toThrow(failing);
    });
  });

  // Defect: a model policy that could not be created (its name taken in the registry) left the chain's policy and
  // the models' policies created before it registered, so building the chain again failed on their names.
  it('disposes what it created when a model policy cannot be created', () => {
    const registry = new PolicyRegistry();
    const taken = createPolicy('chat.b.y', { registry });
    const build = () => abChain({ registry });
    expect(build).toThrow(/A policy named "chat\.b\.y" is already registered/);
    expect(registry.list('policy').map(p => p.name)).toEqual(['chat.b.y']);
    taken.dispose();
    build().dispose();
    expect(registry.list('policy')).toEqual([]);
  });

  it('lists its policies by name: the chain first, then each model (a shared one once)', () => {
    const shared = createPolicy('shared', { registry: null });
    const models: Model[] = [
      { provider: 'a', id: 'x' },
      { provider: 'b', id: 'y' },
      { provider: 'c', id: 'z' },
    ];
    const chain = chainOf(models, ({ provider }) => (provider === 'a' ? {} : shared));
    const policies = chain.policies();
    expect([...policies.keys()]).toEqual(['chat', 'chat.a.x', 'shared']);
    expect(policies.get('chat.a.x')).toBe(chain.policyOf(models[0] as Model));
    chain.dispose();
    expect(chain.policies().size).toBe(0);
    shared.dispose();
  });
});
