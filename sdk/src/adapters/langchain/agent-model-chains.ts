import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { diag } from '@opentelemetry/api';
import type { ResiliencePolicy } from '../../pipeline/create-policy.js';
import { mergedPolicies } from '../shared/model-chain.js';
import { isChatModel, modelKeyOf } from './model-identity.js';
import type { ResolvedModelOptions } from './options.js';
import { ResilientChatModel, ResilientModelChain, viewOf } from './resilient-chat-model.js';

/** The longest policy name. */
const MAX_POLICY_NAME = 64;

/**
 * The model chains of one agent middleware, one per primary model the agent calls (by provider + model id: an
 * agent has one model, unless a middleware before this one switches models). The first chain is `<name>.model`,
 * later ones `<name>.model.2`, `<name>.model.3`, …, each with its own policies for the fallback models.
 *
 * It also spots a retry layer stacked on the middleware: the same model request seen twice (a retry middleware
 * or a LangGraph node retry around it), or the model called twice in one request (a retry middleware between it
 * and the model).
 */
export class AgentModelChains {
  private readonly chains = new Map<string, ResilientModelChain>();
  private readonly seenRequests = new WeakSet<object>();
  private warnedNotChatModel = false;

  constructor(private readonly options: ResolvedModelOptions) {}

  /**
   * The resilient model that serves one model request (its model first, then the fallbacks); `undefined` when
   * the request's model is not a LangChain chat model (then the call is not protected: warned once).
   */
  modelFor(request: { readonly model: unknown; readonly messages: object }): ResilientChatModel | undefined {
    const primary = request.model;
    if (!isChatModel(primary)) {
      if (!this.warnedNotChatModel) {
        this.warnedNotChatModel = true;
        diag.warn(
          `agent-resilience: "${this.options.name}" middleware: the agent's model is not a LangChain chat model (a BaseChatModel), so its calls are not protected`,
        );
      }
      return undefined;
    }
    const models: readonly BaseChatModel[] = [primary, ...this.options.fallbacks];
    const chain = this.chainFor(models);
    // The same request again: a retry layer around the middleware (a retry middleware before it, a node retry).
    const repeated = this.seenRequests.has(request.messages);
    if (!repeated) this.seenRequests.add(request.messages);
    // A second model call for one request: a retry layer between the middleware and the model.
    let calls = 0;
    const stackedRetry = (): boolean => {
      calls += 1;
      return repeated || calls > 1;
    };
    return new ResilientChatModel(viewOf(chain, models, stackedRetry));
  }

  private chainFor(models: readonly BaseChatModel[]): ResilientModelChain {
    const { provider, model } = modelKeyOf(models[0] as BaseChatModel);
    const key = `${provider}\u0000${model}`;
    let chain = this.chains.get(key);
    if (chain === undefined) {
      const suffix = this.chains.size === 0 ? '' : `.${this.chains.size + 1}`;
      const name = `${this.options.name}.model`.slice(0, MAX_POLICY_NAME - suffix.length) + suffix;
      chain = new ResilientModelChain(name, models, this.options.chain);
      this.chains.set(key, chain);
    }
    return chain;
  }

  /** The policies of every chain built so far, by policy name. */
  policies(): ReadonlyMap<string, ResiliencePolicy<unknown>> {
    return mergedPolicies([...this.chains.values()].map(({ chain }) => chain));
  }

  /** Disposes every chain's policies. */
  dispose(): void {
    for (const chain of this.chains.values()) chain.chain.dispose();
    this.chains.clear();
  }
}
