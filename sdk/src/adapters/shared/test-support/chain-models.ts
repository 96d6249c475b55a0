/** Plain models for the tests of `ModelChain`: a provider, an id, and a failure to throw if any. */
import { ModelChain, type ModelChainOptions, type ModelKey } from '../model-chain.js';

export interface Model {
  readonly provider: string;
  readonly id: string;
  fail?: unknown;
}

export const keyOf = (m: Model): ModelKey => ({ provider: m.provider, model: m.id });

/** A chain named `name` of `models`, without a registry. */
export const chainOf = (models: Model[], policy: ModelChainOptions['policy'] = {}, name = 'chat') =>
  new ModelChain(name, models, keyOf, { registry: null, policy });

/** Models a/x and b/y. */
export const AB: readonly Model[] = [
  { provider: 'a', id: 'x' },
  { provider: 'b', id: 'y' },
];

/** A chain `chat` of a/x and b/y. */
export const abChain = (options: ModelChainOptions) => new ModelChain('chat', AB, keyOf, options);
