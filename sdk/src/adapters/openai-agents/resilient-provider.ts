import type { Model, ModelProvider } from '@openai/agents-core';
import { policySafe } from '../../agent/genai-attributes.js';
import type { ResiliencePolicy } from '../../pipeline/create-policy.js';
import { mergedPolicies } from '../shared/model-chain.js';
import {
  checkFallbacksOf,
  checkProviderOptions,
  type FallbackModel,
  OPENAI_AGENTS_DEFAULTS,
  type ResilientProviderOptions,
} from './options.js';
import { type ChainEntry, ResilientModel } from './resilient-model.js';

/** A model resolved once, on first use (a failed lookup is tried again next time). */
function lazily(load: () => Model | Promise<Model>): () => Promise<Model> {
  let model: Promise<Model> | undefined;
  return () => {
    if (model === undefined) {
      const loading = Promise.resolve().then(load);
      model = loading;
      loading.catch(() => {
        if (model === loading) model = undefined;
      });
    }
    return model;
  };
}

/**
 * An Agents SDK `ModelProvider` whose models run through agent-resilience: `getModel(name)` returns a
 * {@link ResilientModel} (one per model name, so its breakers persist across runs) with the model of the wrapped
 * provider as primary and the configured fallbacks behind it. Its policies are named `<name>.<model name>`.
 */
export class ResilientModelProvider implements ModelProvider {
  private readonly models = new Map<string | undefined, Promise<ResilientModel>>();
  private readonly built: ResilientModel[] = [];
  private generation = 0;
  private readonly providerName: string;

  constructor(
    private readonly provider: ModelProvider,
    private readonly options: ResilientProviderOptions = {},
  ) {
    this.providerName = options.providerName ?? OPENAI_AGENTS_DEFAULTS.provider;
  }

  getModel(modelName?: string): Promise<ResilientModel> {
    let model = this.models.get(modelName);
    if (model === undefined) {
      const building = this.build(modelName);
      model = building;
      this.models.set(modelName, building);
      building.catch(() => {
        if (this.models.get(modelName) === building) this.models.delete(modelName);
      });
    }
    return model;
  }

  /**
   * The policies of the models handed out so far, by policy name: each model's chain policy (`<name>.<model name>`:
   * its `onFallback` events) and the policy of each model of its chain (`<name>.<model name>.<provider>.<model>`:
   * its `circuitBreaker`, `recovery`). A snapshot; empty once disposed.
   */
  policies(): ReadonlyMap<string, ResiliencePolicy<unknown>> {
    return mergedPolicies(this.built);
  }

  /**
   * Disposes the policies of every model handed out (a model still being built is disposed once built); the next
   * `getModel` builds new ones.
   */
  dispose(): void {
    this.generation++;
    this.models.clear();
    for (const model of this.built.splice(0)) model.dispose();
  }

  private async build(modelName: string | undefined): Promise<ResilientModel> {
    const generation = this.generation;
    const primary = await this.provider.getModel(modelName);
    const label = modelName ?? 'default';
    const fallbacks = this.fallbacksOf(modelName).filter(f => f !== modelName);
    const entries: [ChainEntry, ...ChainEntry[]] = [
      { provider: this.providerName, model: label, resolve: () => primary },
      ...fallbacks.map(f => this.entryOf(f)),
    ];
    const prefix = `${this.options.name ?? OPENAI_AGENTS_DEFAULTS.name}.`;
    const { fallbacks: _fallbacks, providerName: _providerName, ...options } = this.options;
    const name = prefix + policySafe(label, prefix.length);
    const model = new ResilientModel(entries, { ...options, name }, 'resilientModelProvider', primary);
    if (generation === this.generation) this.built.push(model);
    else model.dispose();
    return model;
  }

  private fallbacksOf(modelName: string | undefined): readonly FallbackModel[] {
    const fallbacks = this.options.fallbacks;
    if (typeof fallbacks !== 'function') return fallbacks ?? [];
    const chosen = fallbacks(modelName);
    checkFallbacksOf(modelName, chosen);
    return chosen;
  }

  private entryOf(fallback: FallbackModel): ChainEntry {
    if (typeof fallback === 'string') {
      return {
        provider: this.providerName,
        model: fallback,
        resolve: lazily(() => this.provider.getModel(fallback)),
      };
    }
    return {
      provider: fallback.provider ?? OPENAI_AGENTS_DEFAULTS.provider,
      model: fallback.name,
      resolve: () => fallback.model,
    };
  }
}

/**
 * Wraps an Agents SDK model provider so every model it serves runs through agent-resilience, with fallback models:
 *
 * ```ts
 * const modelProvider = resilientModelProvider(new OpenAIProvider(), { fallbacks: ['gpt-4o-mini'] });
 * const result = await new Runner({ modelProvider }).run(agent, 'Where is my refund?');
 * ```
 */
export function resilientModelProvider(
  provider: ModelProvider,
  options: ResilientProviderOptions = {},
): ResilientModelProvider {
  checkProviderOptions(provider, options);
  return new ResilientModelProvider(provider, options);
}
