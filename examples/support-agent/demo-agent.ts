import Anthropic from '@anthropic-ai/sdk';
import type { ChaosController } from 'agent-resilience';
import type { RedisCoordinator } from 'agent-resilience/redis';
import OpenAI from 'openai';
import { createAiSdkReplies } from './ai-sdk-replies.js';
import type { Framework } from './cli.js';
import { createClientReplies } from './client-replies.js';
import type { ProviderEndpoints } from './demo-providers.js';
import { createSupportAgent, type SupportAgent, type SupportAgentDeps } from './support-agent.js';
import { SupportTools } from './tools.js';

/** What the demo's support agent is built from. */
export interface DemoAgentOptions {
  readonly framework: Framework;
  readonly endpoints: ProviderEndpoints;
  /** Drives the tools' faults. */
  readonly random: () => number;
  /** What the agent tells its reporter. */
  readonly hooks: Pick<SupportAgentDeps, 'onPrimaryAttempt' | 'onPrimaryRetry' | 'onNotice' | 'onFirstChunk'>;
  /** The fleet's coordinator: the provider's breaker and the retry budget are shared through it. */
  readonly shared?: RedisCoordinator | undefined;
  /** Chaos injection into the primary model's calls. */
  readonly chaos: ChaosController;
}

/**
 * The demo's support agent and its tools, its models called through the provider clients (`run.modelStream`) or
 * through the AI SDK, as `framework` says.
 */
export function createDemoAgent(options: DemoAgentOptions): {
  readonly support: SupportAgent;
  readonly tools: SupportTools;
} {
  const { endpoints } = options;
  const openai = new OpenAI({
    apiKey: 'sk-demo-local-not-a-real-key',
    baseURL: endpoints.primaryBaseURL,
    maxRetries: 0,
    timeout: 15_000,
  });
  // The Anthropic client traces its own calls (ANTHROPIC_OPEN_TELEMETRY): the backup call is resilience-only.
  const anthropic = new Anthropic({
    apiKey: 'sk-ant-demo-local-not-a-real-key',
    baseURL: endpoints.backupBaseURL,
    maxRetries: 0,
  });
  const tools = new SupportTools(options.random);
  const support = createSupportAgent({
    tools,
    shared: options.shared,
    chaos: options.chaos,
    replies: context =>
      options.framework === 'ai-sdk'
        ? createAiSdkReplies(context, {
            primaryBaseURL: endpoints.primaryBaseURL,
            backupBaseURL: endpoints.backupOpenaiBaseURL,
            primaryHealthUrl: endpoints.primaryHealthURL,
          })
        : createClientReplies(context, { openai, anthropic, primaryHealthUrl: endpoints.primaryHealthURL }),
    ...options.hooks,
  });
  return { support, tools };
}
