import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicyRegistry } from '../../core/registry.js';
import { CallCancelledError, ResilienceError, RetriesExhaustedError } from '../../errors/call-errors.js';
import { createPolicy } from '../../pipeline/create-policy.js';
import { createCircuitBreaker } from '../../policies/create-circuit-breaker.js';
import { ATTR_RESILIENCE_FALLBACK_KIND, METRIC_ERRORS, METRIC_FALLBACKS } from '../../semconv.js';
import { hangUntilAborted, httpError } from '../../test-support/errors.js';
import { TestTelemetry } from '../../test-support/otel.js';
import { ModelChain, type ModelKey } from './model-chain.js';
import { abChain, chainOf, keyOf, type Model } from './test-support/chain-models.js';

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

  it('names each model policy after the chain, provider and model, within the name rules', () => {
    const long: Model = { provider: 'my provider/with spaces', id: 'a'.repeat(80) };
    const chain = chainOf([long, { provider: 'openai', id: 'gpt-4o' }]);
    expect(chain.policyOf(long).name).toMatch(/^chat\.my_provider_with_spaces\.a+\.[0-9a-f]{6}$/);
    expect(chain.policyOf(long).name).toHaveLength(64);
    expect(chain.policyOf({ provider: 'openai', id: 'gpt-4o' }).name).toBe('chat.openai.gpt-4o');
    chain.dispose();
  });

  // Defect: the model policy name squeezed the model id into what the chain name left (8 characters for a
  // 40-character chain name), so two Bedrock-style ids of one provider collided: the chain threw RangeError
  // "already registered" (with registry: null both models reported under one resilience.policy).
  it('gives each model of a chain its own policy, even with long model ids of one provider', async () => {
    const name = 'ai-sdk.bedrock.anthropic.claude-3-5-sonne';
    const sonnet: Model = {
      provider: 'bedrock',
      id: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
      fail: httpError(503),
    };
    const haiku: Model = { provider: 'bedrock', id: 'anthropic.claude-3-5-haiku-20241022-v1:0' };
    const chain = new ModelChain(name, [sonnet, haiku], keyOf, {
      registry: new PolicyRegistry(),
      policy: {},
    });
    const names = [chain.policyOf(sonnet).name, chain.policyOf(haiku).name];
    expect(new Set(names).size).toBe(2);
    for (const policyName of names) expect(policyName.length).toBeLessThanOrEqual(64);
    // Stable: the same model gets the same name in another chain of the same name.
    const again = new ModelChain(name, [haiku], keyOf, { registry: null });
    expect(again.policyOf(haiku).name).toBe(names[1]);
    expect(
      await chain.execute(model => (model.fail === undefined ? model.id : Promise.reject(model.fail))),
    ).toBe(haiku.id);
    chain.dispose();
    again.dispose();
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

  describe("the chain's final error", () => {
    const RETRY_TWICE = { retry: { maxRetries: 2, initialDelayMs: 1, jitter: 'none' as const } };

    // Defect: the chain's outer policy classified the model policy's final ResilienceError again and wrapped it in
    // a RetriesExhaustedError of its own (policy = the chain, attempts 1, reason max_attempts), whatever the model
    // policy did: 3 requests were reported as "gave up after 1 attempt(s)".
    it("is the model policy's own error: its attempts", async () => {
      let calls = 0;
      const chain = chainOf([{ provider: 'a', id: 'x' }], RETRY_TWICE);
      const error = await chain
        .execute(() => {
          calls++;
          return Promise.reject(httpError(503));
        })
        .catch(e => e);
      expect(calls).toBe(3);
      expect(error).toBeInstanceOf(RetriesExhaustedError);
      expect(error).toMatchObject({ policy: 'chat.a.x', attempts: 3, reason: 'max_attempts' });
      chain.dispose();
    });

    // The same defect: a 429 whose Retry-After (1 h) is past maxRetryAfterMs is given up at once by the model
    // policy (reason retry_after_too_long); the caller got the chain's RetriesExhaustedError with max_attempts.
    it("is the model policy's own error: its reason", async () => {
      const chain = chainOf([{ provider: 'a', id: 'x' }], RETRY_TWICE);
      const error = await chain
        .execute(() => Promise.reject(httpError(429, { 'retry-after': '3600' })))
        .catch(e => e);
      expect(error).toMatchObject({ policy: 'chat.a.x', attempts: 1, reason: 'retry_after_too_long' });
      chain.dispose();
    });

    it("is the last model's own error when every model failed, streamed or not", async () => {
      const chain = abChain({ registry: null, policy: {} });
      const fail = (model: Model) => Promise.reject(httpError(model.provider === 'a' ? 503 : 500));
      const thrown = await chain.execute(fail).catch(e => e);
      expect(ResilienceError.isInstance(thrown)).toBe(true);
      expect(thrown).toMatchObject({ policy: 'chat.b.y', classified: { statusCode: 500 } });
      const streamed = await chain.executeStream(fail).catch(e => e);
      expect(streamed).toMatchObject({ policy: 'chat.b.y', classified: { statusCode: 500 } });
      chain.dispose();
    });

    // Defect: the chain's outer policy recorded the model policy's final failure as an error of its own attempt:
    // 3 failed requests counted 4 errors.
    it('counts each provider failure once in resilience.errors', async () => {
      const chain = chainOf([{ provider: 'a', id: 'x' }], RETRY_TWICE);
      await chain.execute(() => Promise.reject(httpError(503))).catch(() => {});
      expect(await otel.total(METRIC_ERRORS)).toBe(3);
      chain.dispose();
    });
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
