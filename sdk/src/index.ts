/**
 * agent-resilience: resilience for AI-agent applications on cockatiel 4, reported through OpenTelemetry: policies,
 * classification, load shedding and agents. Named exports only. The other entries: `agent-resilience/batch`
 * (batch retry manager), `agent-resilience/monitor` (monitoring HTTP API), `agent-resilience/semconv` (the
 * telemetry contract) and `agent-resilience/otel` (the OpenTelemetry SDK bootstrap). Strategies are built by their
 * `create*` factories, which validate their options; their classes are exported as types only.
 */

// Agents: runs, tool calls and model calls with GenAI spans
export {
  type AgentOptions,
  type GenAiTelemetry,
  type HelperPolicyOptions,
  RUN_RETRY_DEFAULTS,
  type RunFailed,
  type RunOptions,
  type RunRetrying,
  type RunRetryOptions,
} from './agent/agent-options.js';
export type { AgentRun, ModelCallOptions, ModelStreamOptions, ToolCallOptions } from './agent/agent-run.js';
export { type Agent, createAgent } from './agent/create-agent.js';
export { RunRetryAbortedError } from './agent/run-retry-aborted-error.js';
export {
  ANTHROPIC_MESSAGES_STREAM_READERS,
  MODEL_STREAM_READERS,
  type ModelStreamReaders,
  OPENAI_CHAT_STREAM_READERS,
} from './agent/stream-readers.js';
// Error classification
export {
  CATEGORY_DEFAULTS,
  CLASSIFY_DEFAULTS,
  classifyError,
  createClassifier,
  ErrorAggregator,
  type ErrorAggregatorOptions,
  getHeader,
  type HeaderSource,
  isClassifiedError,
  type PatternThreshold,
  type RetryAfterSources,
  redact,
  retryAfterMs,
} from './classify/index.js';
export type {
  CategoryDefaults,
  ClassificationRule,
  ClassifiedError,
  Classifier,
  ClassifierOptions,
  ErrorClass,
} from './classify/types.js';
export type { TargetInput } from './core/attempt-context.js';
export type { AttemptInput, ProtectedFn } from './core/call-context.js';
export type { ExecuteOptions } from './core/execute-options.js';
export {
  defaultRegistry,
  PolicyRegistry,
  type RegisteredCircuitBreaker,
  type RegistryKinds,
  type Snapshotting,
} from './core/registry.js';
export type {
  ExecuteStreamOptions,
  StreamCallOptions,
  StreamContinuation,
  StreamFn,
  StreamOptions,
  TokenUsage,
} from './core/stream-options.js';
// Errors
export {
  CallCancelledError,
  type CallFailureReason,
  CallRejectedError,
  NonRetryableError,
  ResilienceError,
  type ResilienceErrorDetails,
  type ResilienceErrorJSON,
  RetriesExhaustedError,
  StreamBrokenError,
} from './errors/call-errors.js';
export { CircuitOpenError, ExecutionRejectedError, ResilienceTimeoutError } from './errors/signals.js';
// Load shedding and recovery
export {
  ADAPTIVE_RATE_LIMITER_DEFAULTS,
  type AdaptiveRateLimiter,
  type AdaptiveRateLimiterOptions,
  type AdaptiveRateLimiterSnapshot,
  createAdaptiveRateLimiter,
} from './load/adaptive-rate-limiter.js';
export {
  ADAPTIVE_RETRY_DEFAULTS,
  type AdaptiveRetryLimit,
  type AdaptiveRetryOptions,
  type AdaptiveRetrySnapshot,
  createAdaptiveRetryLimit,
} from './load/adaptive-retry.js';
export { createRecoveryManager } from './load/create-recovery-manager.js';
export {
  disableFeature,
  ERROR_PATTERN_DEFAULTS,
  type ErrorPatternAction,
  type ErrorPatternEvent,
  type ErrorPatternRule,
  type ErrorPatternWatcher,
  type ErrorPatternWatcherOptions,
  isolateBreaker,
  watchErrorPatterns,
} from './load/error-patterns.js';
export type { Feature, FeatureCallOptions, FeatureSnapshot } from './load/feature.js';
export { FEATURE_DEFAULTS, type FeatureOptions } from './load/feature-options.js';
export {
  createFeatureRegistry,
  type FeatureChange,
  type FeatureRegistry,
  type FeatureRegistryOptions,
} from './load/feature-registry.js';
export type { HealthCheck, HealthCheckFailure } from './load/health-checker.js';
export type { LoadPolicyOptions } from './load/pipeline-stages.js';
export { createRateLimiter, type RateLimiter, type RateLimiterSnapshot } from './load/rate-limiter.js';
export {
  RATE_LIMITER_DEFAULTS,
  type RateLimiterOptions,
  type SharedRateLimiterOptions,
} from './load/rate-limiter-options.js';
export type { RecoveryManager, RecoverySnapshot, RecoveryTransition } from './load/recovery-manager.js';
export {
  RECOVERY_DEFAULTS,
  type RecoveryOptions,
  type SharedRecoveryOptions,
} from './load/recovery-options.js';
export { createRetryBudget, type RetryBudget, type RetryBudgetSnapshot } from './load/retry-budget.js';
export {
  RETRY_BUDGET_DEFAULTS,
  type RetryBudgetOptions,
  type SlidingWindowBudgetOptions,
  type TokenBucketBudgetOptions,
} from './load/retry-budget-options.js';
export type { PermitDecision, RateLimitCoordinator, SharedPermitSource } from './load/shared-rate-limit.js';
export type {
  FleetRetryBudgetTotals,
  RetryBudgetCoordinator,
  RetryBudgetReport,
  SharedRetryBudgetCounters,
  SharedRetryBudgetSettings,
} from './load/shared-retry-budget.js';
export type { SharedRetryBudgetStatus } from './load/shared-retry-budget-view.js';
export { RAMP_DEFAULTS, type RampOptions, type SlowStartRamp, type StepRamp } from './load/traffic-ramp.js';
// Policies and the pipeline
export { createPolicy, ResiliencePolicy } from './pipeline/create-policy.js';
export type { PolicyOptions } from './pipeline/options.js';
export type { Jitter } from './policies/backoff.js';
export type { BulkheadOptions } from './policies/bulkhead.js';
export {
  CHAOS_DEFAULTS,
  type ChaosController,
  type ChaosFault,
  type ChaosFaultSpec,
  type ChaosLatencyDistribution,
  type ChaosOptions,
  type ChaosProvider,
  type ChaosScope,
  type ChaosSettings,
  type ChaosState,
  createChaos,
} from './policies/chaos/index.js';
export type { CircuitBreaker, CircuitTransition } from './policies/circuit-breaker.js';
export {
  NAMED_CIRCUIT_BREAKER_DEFAULTS,
  type NamedCircuitBreakerOptions,
} from './policies/circuit-breaker-named-options.js';
export {
  type BreakerSpec,
  CIRCUIT_BREAKER_DEFAULTS,
  type CircuitBreakerOptions,
  DEFAULT_FAILURE_CATEGORIES,
  type HalfOpenBackoff,
} from './policies/circuit-breaker-options.js';
export type { BreakerFailureSummary, CircuitBreakerSnapshot } from './policies/circuit-breaker-stats.js';
export { createCircuitBreaker, type SharedCircuitBreakerOptions } from './policies/create-circuit-breaker.js';
export {
  FALLBACK_CACHE_DEFAULTS,
  type FallbackContext,
  type FallbackEvent,
  type FallbackSpec,
  type FallbackWhen,
} from './policies/fallback.js';
export type { HedgeTarget, HedgingOptions, LearnedHedgeDelay } from './policies/hedging-options.js';
export {
  type CategoryRetryOptions,
  RETRY_DEFAULTS,
  type RetryBudgetGate,
  type RetryInfo,
  type RetryLimit,
  type RetryOptions,
} from './policies/retry-options.js';
export type {
  CircuitBreakerCoordinator,
  FleetBase,
  FleetCircuitCause,
  FleetCircuitChange,
  FleetCircuitEvents,
  FleetCircuitState,
  FleetProbeAnswer,
  FleetProposalAnswer,
  SharedCircuit,
} from './policies/shared-breaker.js';
export type {
  Admission,
  AttemptKind,
  BatchDecisionReason,
  BatchItemOutcome,
  CircuitStateName,
  ErrorCategory,
  FallbackKind,
  FeatureChangeReason,
  FeatureState,
  Outcome,
  RecoveryState,
  RecoveryTrigger,
  RetryReason,
  Severity,
  Strategy,
} from './semconv.js';
