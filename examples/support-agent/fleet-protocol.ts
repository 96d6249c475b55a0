/**
 * The messages between the demo's main process and its replica processes (`--replicas n`), over the IPC channel
 * of `child_process.fork`: the main process asks questions and tells phase changes; each replica answers, and
 * reports its primary calls, retries, breaker transitions and status.
 */
import type { ChaosFaultSpec } from 'agent-resilience';
import type { DemoSettings } from './cli.js';
import type { ProviderEndpoints } from './demo-providers.js';
import type { ReplySource } from './replies.js';

/** Prefix of the fleet's keys and channels in Redis (every demo replica, also those of docker compose). */
export const FLEET_KEY_PREFIX = 'support-agent-demo';

/** The per-thread limit every replica enforces together: 10 messages per 10 s per conversation thread. */
export const THREAD_LIMIT = Object.freeze({ limit: 10, intervalMs: 10_000 });

/** What one replica runs with (its first command-line argument, as JSON). */
export interface ReplicaConfig {
  /** 1-based. */
  readonly index: number;
  /** Its `service.instance.id` (set in its `OTEL_RESOURCE_ATTRIBUTES`, see {@link withInstanceId}). */
  readonly instanceId: string;
  readonly settings: DemoSettings;
  readonly redisUrl: string;
  readonly endpoints: ProviderEndpoints;
}

/** How a customer's message ended: who answered, refused by the per-thread limit, or failed. */
export type Outcome = ReplySource | 'rate_limited' | 'failed';

/** Main process → replica. */
export type ToReplica =
  | { readonly kind: 'ask'; readonly id: number; readonly question: string; readonly thread: string }
  /**
   * The phase that starts: the orders service's failure rate, and the faults chaos injects into the primary's
   * calls (absent: the scenario leaves chaos alone).
   */
  | {
      readonly kind: 'phase';
      readonly orderFailureRate: number;
      readonly chaos?: readonly ChaosFaultSpec[];
    }
  /** Send a status now. */
  | { readonly kind: 'status' }
  /** Leave the fleet and exit. */
  | { readonly kind: 'stop' };

/** A replica's state, sent every second and on request. */
export interface ReplicaStatus {
  readonly breaker: string;
  /** Redis answers (`connected`) or not (`degraded`: the shared pieces run on local state). */
  readonly coordination: string;
  /** Retries the budget refused since the replica started. */
  readonly budgetDenied: number;
  readonly budgetAvailable: number;
  readonly budgetCapacity: number;
  /** `fleet`: the budget's figures are the fleet's; `local`: this replica's (Redis away). */
  readonly budgetScope: string;
  /** Replicas the budget counts in the fleet, at its last exchange. */
  readonly budgetReplicas: number | undefined;
  /** Share of the primary's traffic the recovery ramp admits (0..1). */
  readonly trafficRatio: number | undefined;
}

/** Replica → main process. `at`: wall-clock time in ms (sub-ms precision), comparable across the fleet. */
export type FromReplica =
  | { readonly kind: 'ready'; readonly metricsUrl: string | undefined; readonly monitorUrl: string }
  | { readonly kind: 'failed'; readonly message: string; readonly usage: boolean }
  | {
      readonly kind: 'answered';
      readonly id: number;
      readonly outcome: Outcome;
      /** Why it failed (`failed` only): the error's class and its redacted one-line message. */
      readonly reason?: string;
    }
  | { readonly kind: 'primary'; readonly at: number }
  | { readonly kind: 'retry'; readonly source: 'backoff' | 'retry_after' }
  | {
      readonly kind: 'transition';
      readonly from: string;
      readonly to: string;
      readonly origin: 'local' | 'fleet';
      readonly at: number;
    }
  | ({ readonly kind: 'status' } & ReplicaStatus);

const KINDS: ReadonlySet<string> = new Set([
  'ready',
  'failed',
  'answered',
  'primary',
  'retry',
  'transition',
  'status',
]);

/** Whether `message` is one of ours (the IPC channel carries only what a replica sends, but a bug could send more). */
export function isFromReplica(message: unknown): message is FromReplica {
  const kind = (message as { kind?: unknown } | null)?.kind;
  return typeof kind === 'string' && KINDS.has(kind);
}

/** Wall-clock time in ms with sub-ms precision (the same clock in every process of the machine). */
export const wallClock = (): number => performance.timeOrigin + performance.now();

/** `OTEL_RESOURCE_ATTRIBUTES` with `service.instance.id` set (the environment's resource detector wins). */
export function withInstanceId(attributes: string | undefined, instanceId: string): string {
  const others = (attributes ?? '')
    .split(',')
    .filter(pair => pair.trim() !== '' && !pair.trim().startsWith('service.instance.id='));
  return [...others, `service.instance.id=${instanceId}`].join(',');
}
