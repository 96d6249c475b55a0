import type { LanguageModelV4 } from '@ai-sdk/provider';
import { gateway, type LanguageModel, wrapLanguageModel } from 'ai';
import { type ModelKey, modelPolicyName } from '../shared/model-chain.js';

/**
 * A model as a `LanguageModelV4`, the way the AI SDK resolves one: a model id through the global default provider
 * (else the AI Gateway), a v2 or v3 model through the SDK's own adapter (`wrapLanguageModel` without middleware).
 */
export function resolveModel(model: LanguageModel): LanguageModelV4 {
  const resolved =
    typeof model === 'string' ? (globalThis.AI_SDK_DEFAULT_PROVIDER ?? gateway).languageModel(model) : model;
  return wrapLanguageModel({ model: resolved, middleware: [] });
}

/** The breaker key of a model: its provider and model id. */
export const keyOfModel = (model: LanguageModelV4): ModelKey => ({
  provider: model.provider,
  model: model.modelId,
});

/**
 * `ai-sdk.<provider>.<modelId>`, within the policy name rules (`[A-Za-z0-9_.:-]`, at most 40 characters, leaving
 * room for the model policies' names; a longer one is cut and ends in a hash of the provider and model id).
 */
export const defaultPolicyName = (key: ModelKey): string => modelPolicyName('ai-sdk', key, 40);
