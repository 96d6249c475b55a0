/**
 * The telemetry contract of agent-resilience: every span, metric, attribute and event name we emit and every
 * enum value an attribute can take. Nothing else in the SDK spells one of these names (a lint in
 * `test/semconv-consistency.test.ts` enforces it); dashboards, alert rules and the README's telemetry table are
 * checked against this file.
 *
 * No OpenTelemetry semantic convention exists for resilience (semantic-conventions#2355), so `resilience.*` is
 * our own namespace. `error.type` is the stable semconv attribute. The `gen_ai.*` names are copied from the
 * GenAI semantic conventions (Development status; the npm constants are deprecated), as the
 * `@opentelemetry/semantic-conventions` README recommends for incubating names.
 *
 * Metric names carry no unit and no `_total`; the OTel → Prometheus translation adds them
 * (`resilience.call.duration` + unit `s` → `resilience_call_duration_seconds`). See {@link METRICS}.
 */

/** Instrumentation scope name of every tracer and meter. */
export const SCOPE_NAME = 'agent-resilience';

// ---------------------------------------------------------------------------------------------------------------
// Attributes

/** Name of the policy (pipeline) that ran the call. Validated against {@link POLICY_NAME_PATTERN}. */
export const ATTR_RESILIENCE_POLICY = 'resilience.policy';
/** The strategy inside a policy that acted (retry, circuit_breaker, …). Values: {@link STRATEGIES}. */
export const ATTR_RESILIENCE_STRATEGY = 'resilience.strategy';
/** How a logical call or attempt ended. Values: {@link OUTCOMES}. */
export const ATTR_RESILIENCE_OUTCOME = 'resilience.outcome';
/** Stable semconv attribute: low-cardinality error class or code, `_OTHER` as fallback. */
export const ATTR_ERROR_TYPE = 'error.type';
/** Category from the error taxonomy. Values: {@link ERROR_CATEGORIES}. */
export const ATTR_RESILIENCE_ERROR_CATEGORY = 'resilience.error.category';
/** Whether the classifier considers the error retryable (boolean). */
export const ATTR_RESILIENCE_ERROR_RETRYABLE = 'resilience.error.retryable';
/** Severity from the error taxonomy. Values: {@link SEVERITIES}. */
export const ATTR_RESILIENCE_ERROR_SEVERITY = 'resilience.error.severity';
/** Whether an attempt is the original call, a retry or a hedge. Values: {@link ATTEMPT_KINDS}. */
export const ATTR_RESILIENCE_ATTEMPT_KIND = 'resilience.attempt.kind';
/** Zero-based attempt number (0 = original call); spans and span events only. */
export const ATTR_RESILIENCE_ATTEMPT_NUMBER = 'resilience.attempt.number';
/** Circuit-breaker state (gauge label, transition target). Values: {@link CIRCUIT_STATES}. */
export const ATTR_RESILIENCE_CIRCUIT_BREAKER_STATE = 'resilience.circuit_breaker.state';
/** Circuit-breaker state before a transition. Values: {@link CIRCUIT_STATES}. */
export const ATTR_RESILIENCE_CIRCUIT_BREAKER_PREVIOUS_STATE = 'resilience.circuit_breaker.previous_state';
/** Why the retry strategy stopped retrying. Values: {@link RETRY_REASONS}. */
export const ATTR_RESILIENCE_RETRY_REASON = 'resilience.retry.reason';
/** What set a retry's delay: the backoff or the server's Retry-After. Values: {@link RETRY_DELAY_SOURCES}. */
export const ATTR_RESILIENCE_RETRY_DELAY_SOURCE = 'resilience.retry.delay_source';
/** Delay before a retry in milliseconds; span events only. */
export const ATTR_RESILIENCE_RETRY_DELAY_MS = 'resilience.retry.delay_ms';
/** Which fallback served a call. Values: {@link FALLBACK_KINDS}. */
export const ATTR_RESILIENCE_FALLBACK_KIND = 'resilience.fallback.kind';
/** Whether a timeout bounded one attempt or the whole call. Values: {@link TIMEOUT_KINDS}. */
export const ATTR_RESILIENCE_TIMEOUT_KIND = 'resilience.timeout.kind';
/** Name of a shared retry budget. Validated like policy names. */
export const ATTR_RESILIENCE_RETRY_BUDGET = 'resilience.retry_budget.name';
/** State of a downstream's recovery manager. Values: {@link RECOVERY_STATES}. */
export const ATTR_RESILIENCE_RECOVERY_STATE = 'resilience.recovery.state';
/** Recovery state before a change. Values: {@link RECOVERY_STATES}. */
export const ATTR_RESILIENCE_RECOVERY_PREVIOUS_STATE = 'resilience.recovery.previous_state';
/** Whether the recovery ramp let a call through. Values: {@link ADMISSIONS}. */
export const ATTR_RESILIENCE_ADMISSION = 'resilience.admission';
/** Result of a health check. Values: {@link HEALTH_CHECK_RESULTS}. */
export const ATTR_RESILIENCE_HEALTH_CHECK_RESULT = 'resilience.health_check.result';
/** Name of a degradable feature. Validated like policy names. */
export const ATTR_RESILIENCE_FEATURE = 'resilience.feature.name';
/** Name (never id) of a batch run by the batch retry manager. Validated like policy names. */
export const ATTR_RESILIENCE_BATCH = 'resilience.batch.name';
/** How a batch item's attempt ended. Values: {@link BATCH_ITEM_OUTCOMES}. */
export const ATTR_RESILIENCE_BATCH_ITEM_OUTCOME = 'resilience.batch.item.outcome';
/** Why the batch retry manager decided as it did. Values: {@link BATCH_DECISION_REASONS}. */
export const ATTR_RESILIENCE_BATCH_DECISION_REASON = 'resilience.batch.decision.reason';
/** Id of one run of an agent (a retried run gets a fresh id); spans only (high cardinality). */
export const ATTR_RESILIENCE_AGENT_RUN_ID = 'resilience.agent.run.id';
/** Conversation thread of an agent run; spans only (high cardinality). */
export const ATTR_RESILIENCE_AGENT_THREAD_ID = 'resilience.agent.thread.id';
/** Whether a stream had delivered its first content chunk (was committed) when it stalled or broke (boolean). */
export const ATTR_RESILIENCE_STREAM_COMMITTED = 'resilience.stream.committed';
/** Whether tokens were spent on the answer the user got or wasted on a failed attempt. Values: {@link TOKEN_KINDS}. */
export const ATTR_RESILIENCE_TOKEN_KIND = 'resilience.token.kind';
/** The agent framework an adapter plugs into. Values: {@link FRAMEWORKS}. */
export const ATTR_RESILIENCE_FRAMEWORK = 'resilience.framework';
/** Chunks a stream had delivered when it broke; span events only. */
export const ATTR_RESILIENCE_STREAM_CHUNKS = 'resilience.stream.chunks';
/** How a hedged attempt ended: won the race, lost it, or was never started. Values: {@link HEDGE_RESULTS}. */
export const ATTR_RESILIENCE_HEDGE_RESULT = 'resilience.hedge.result';
/** One-based number of a hedged attempt within its round; spans and span events only. */
export const ATTR_RESILIENCE_HEDGE_NUMBER = 'resilience.hedge.number';
/** Name of the target a hedged attempt went to (`hedging.targets[].name`); spans and span events only. */
export const ATTR_RESILIENCE_HEDGE_TARGET = 'resilience.hedge.target';
/** Why a hedge was not started; span events only. Values: {@link HEDGE_DENIAL_REASONS}. */
export const ATTR_RESILIENCE_HEDGE_DENIAL_REASON = 'resilience.hedge.denial_reason';
/** Which fault chaos injection produced. Values: {@link CHAOS_FAULTS}. */
export const ATTR_RESILIENCE_CHAOS_FAULT = 'resilience.chaos.fault';
/**
 * Set (true) on {@link METRIC_ERRORS} data points and on spans of failures that chaos injection produced, so
 * panels can tell (or leave out) rehearsed failures from real ones; absent on real failures.
 */
export const ATTR_RESILIENCE_CHAOS_INJECTED = 'resilience.chaos.injected';

// GenAI attributes (copied from the GenAI semantic conventions; Development status).
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name';
export const ATTR_GEN_AI_AGENT_ID = 'gen_ai.agent.id';
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id';
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const ATTR_GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id';
export const ATTR_GEN_AI_TOOL_TYPE = 'gen_ai.tool.type';
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type';

/** `gen_ai.operation.name` values we emit. */
export const GEN_AI_OPERATION_CHAT = 'chat';
export const GEN_AI_OPERATION_INVOKE_AGENT = 'invoke_agent';
export const GEN_AI_OPERATION_EXECUTE_TOOL = 'execute_tool';

/** Semconv fallback value of `error.type`. */
export const ERROR_TYPE_OTHER = '_OTHER';

// ---------------------------------------------------------------------------------------------------------------
// Closed value sets

/** The error taxonomy (DESIGN.md §4). */
export const ERROR_CATEGORIES = [
  'rate_limited',
  'quota_exceeded',
  'overloaded',
  'server_error',
  'timeout',
  'network',
  'authentication',
  'validation',
  'not_found',
  'context_length_exceeded',
  'content_filtered',
  'cancelled',
  'circuit_open',
  'rejected',
  'programming',
  'unknown',
] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const STRATEGIES = [
  'retry',
  'circuit_breaker',
  'timeout',
  'bulkhead',
  'rate_limiter',
  'retry_budget',
  'recovery',
  'fallback',
  'hedging',
] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const OUTCOMES = ['success', 'failure', 'fallback', 'rejected', 'cancelled'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** `hedge`: a hedged attempt, started while an earlier attempt of the same round was still running. */
export const ATTEMPT_KINDS = ['original', 'retry', 'hedge'] as const;
export type AttemptKind = (typeof ATTEMPT_KINDS)[number];

export const CIRCUIT_STATES = ['closed', 'open', 'half_open', 'isolated'] as const;
export type CircuitStateName = (typeof CIRCUIT_STATES)[number];

export const RETRY_REASONS = [
  'max_attempts',
  'non_retryable',
  'budget_exhausted',
  'retry_after_too_long',
  'cancelled',
  'deadline',
] as const;
export type RetryReason = (typeof RETRY_REASONS)[number];

export const RETRY_DELAY_SOURCES = ['backoff', 'retry_after'] as const;
export type RetryDelaySource = (typeof RETRY_DELAY_SOURCES)[number];

/** `continuation`: after a committed stream broke, a fallback continued it from its partial output. */
export const FALLBACK_KINDS = ['value', 'factory', 'cache', 'continuation'] as const;
export type FallbackKind = (typeof FALLBACK_KINDS)[number];

/** `first_chunk`: no content chunk within `firstChunkTimeoutMs`; `stall`: a gap between chunks over `stallTimeoutMs`. */
export const TIMEOUT_KINDS = ['attempt', 'total', 'first_chunk', 'stall'] as const;
export type TimeoutKind = (typeof TIMEOUT_KINDS)[number];

/** `won`: the hedge's result was used; `lost`: another attempt's was (the hedge was aborted); `denied`: not started. */
export const HEDGE_RESULTS = ['won', 'lost', 'denied'] as const;
export type HedgeResult = (typeof HEDGE_RESULTS)[number];

/** `budget_exhausted`: the retry budget had no token; `circuit_open`/`rejected`: the target's breaker or an admission stage refused it. */
export const HEDGE_DENIAL_REASONS = ['budget_exhausted', 'circuit_open', 'rejected'] as const;
export type HedgeDenialReason = (typeof HEDGE_DENIAL_REASONS)[number];

/**
 * Faults chaos injection can produce. The first eight are errors shaped like the provider clients' own
 * (classified as the error category of the same name); `latency` delays an attempt; the `stream_*` faults break
 * a stream after some chunks: it stops (`stream_stall`), its connection drops (`stream_drop`) or it carries a
 * provider error frame (`stream_error`).
 */
export const CHAOS_FAULTS = [
  'rate_limited',
  'overloaded',
  'server_error',
  'timeout',
  'network',
  'quota_exceeded',
  'context_length_exceeded',
  'content_filtered',
  'latency',
  'stream_stall',
  'stream_drop',
  'stream_error',
] as const;
export type ChaosFault = (typeof CHAOS_FAULTS)[number];

export const TOKEN_KINDS = ['served', 'wasted'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

export const GEN_AI_TOKEN_TYPES = ['input', 'output'] as const;
export type GenAiTokenType = (typeof GEN_AI_TOKEN_TYPES)[number];

export const FRAMEWORKS = ['ai_sdk', 'langchain', 'openai_agents'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export const RECOVERY_STATES = ['healthy', 'degraded', 'recovering', 'failed'] as const;
export type RecoveryState = (typeof RECOVERY_STATES)[number];

export const ADMISSIONS = ['admitted', 'shed'] as const;
export type Admission = (typeof ADMISSIONS)[number];

export const HEALTH_CHECK_RESULTS = ['pass', 'fail'] as const;
export type HealthCheckResult = (typeof HEALTH_CHECK_RESULTS)[number];

export const BATCH_ITEM_OUTCOMES = ['succeeded', 'failed_transient', 'failed_permanent'] as const;
export type BatchItemOutcome = (typeof BATCH_ITEM_OUTCOMES)[number];

export const BATCH_DECISION_REASONS = [
  'under_retry_limit',
  'max_retries_reached',
  'global_retry_limit_reached',
  'circuit_breaker_open',
  'permanent_failure',
] as const;
export type BatchDecisionReason = (typeof BATCH_DECISION_REASONS)[number];

/** User-supplied names (policies, budgets, features, batches) must match this to become attribute values. */
export const POLICY_NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

// ---------------------------------------------------------------------------------------------------------------
// Spans and span events

/** Policy names the agent helpers give their pipelines: `agent.<name>`, `tool.<name>`, `model.<model>`. */
export const agentPolicyName = (agent: string): string => `agent.${agent}`;
export const toolPolicyName = (tool: string): string => `tool.${tool}`;
export const modelPolicyName = (model: string): string => `model.${model}`;
/** `gen_ai.tool.type` of tools run through the agent helpers. */
export const GEN_AI_TOOL_TYPE_FUNCTION = 'function';

/** Name of the span of one attempt of a logical call; the call span itself is named after the policy. */
export const attemptSpanName = (policy: string): string => `${policy} attempt`;
/** GenAI span names: `invoke_agent {agent}`, `execute_tool {tool}`, `chat {model}`. */
export const invokeAgentSpanName = (agent: string): string => `${GEN_AI_OPERATION_INVOKE_AGENT} ${agent}`;
export const executeToolSpanName = (tool: string): string => `${GEN_AI_OPERATION_EXECUTE_TOOL} ${tool}`;
export const chatSpanName = (model: string): string => `${GEN_AI_OPERATION_CHAT} ${model}`;

export const EVENT_RETRY = 'resilience.retry';
export const EVENT_CIRCUIT_BREAKER_TRANSITION = 'resilience.circuit_breaker.transition';
export const EVENT_FALLBACK = 'resilience.fallback';
export const EVENT_REJECTION = 'resilience.rejection';
export const EVENT_TIMEOUT = 'resilience.timeout';
export const EVENT_RETRY_GIVE_UP = 'resilience.retry.give_up';
export const EVENT_RECOVERY_STATE_CHANGE = 'resilience.recovery.state_change';
export const EVENT_ERROR_PATTERN = 'resilience.error.pattern';
/** A stream delivered its first content chunk: from here on it is not replayed. */
export const EVENT_STREAM_COMMIT = 'resilience.stream.commit';
/** A stream broke (error frame, stall, dropped connection), before or after its commit. */
export const EVENT_STREAM_BREAK = 'resilience.stream.break';
/** A framework's own retry was seen underneath an adapter (retries would multiply). */
export const EVENT_INNER_RETRY = 'resilience.inner_retry';
/** A hedged attempt was started or denied (on the call span). */
export const EVENT_HEDGE = 'resilience.hedge';
/** Chaos injection produced a fault in this attempt (on the attempt span, else the call span). */
export const EVENT_CHAOS_INJECTION = 'resilience.chaos.injection';

// ---------------------------------------------------------------------------------------------------------------
// Metrics

export const METRIC_CALL_DURATION = 'resilience.call.duration';
export const METRIC_ATTEMPT_DURATION = 'resilience.attempt.duration';
export const METRIC_ERRORS = 'resilience.errors';
export const METRIC_RETRIES = 'resilience.retries';
export const METRIC_RETRY_DELAY = 'resilience.retry.delay';
export const METRIC_RETRY_EXHAUSTED = 'resilience.retry.exhausted';
export const METRIC_CIRCUIT_BREAKER_STATE = 'resilience.circuit_breaker.state';
export const METRIC_CIRCUIT_BREAKER_TRANSITIONS = 'resilience.circuit_breaker.transitions';
export const METRIC_REJECTIONS = 'resilience.rejections';
export const METRIC_FALLBACKS = 'resilience.fallbacks';
export const METRIC_TIMEOUTS = 'resilience.timeouts';
export const METRIC_RETRY_BUDGET_AVAILABLE = 'resilience.retry_budget.available';
export const METRIC_RETRY_BUDGET_CAPACITY = 'resilience.retry_budget.capacity';
export const METRIC_ADAPTIVE_RETRY_MAX_ATTEMPTS = 'resilience.adaptive_retry.max_attempts';
export const METRIC_RECOVERY_TRAFFIC_RATIO = 'resilience.recovery.traffic_ratio';
export const METRIC_RECOVERY_STATE = 'resilience.recovery.state';
export const METRIC_RECOVERY_ADMISSIONS = 'resilience.recovery.admissions';
export const METRIC_HEALTH_CHECKS = 'resilience.health_checks';
export const METRIC_FEATURE_ENABLED = 'resilience.feature.enabled';
export const METRIC_ERROR_PATTERNS = 'resilience.error_patterns';
export const METRIC_BATCH_RETRIES = 'resilience.batch.retries';
export const METRIC_BATCH_ITEMS = 'resilience.batch.items';
export const METRIC_BATCH_BREAKER_TRIPS = 'resilience.batch.breaker_trips';
export const METRIC_GEN_AI_CLIENT_OPERATION_DURATION = 'gen_ai.client.operation.duration';
export const METRIC_GEN_AI_INVOKE_AGENT_DURATION = 'gen_ai.invoke_agent.duration';
export const METRIC_GEN_AI_EXECUTE_TOOL_DURATION = 'gen_ai.execute_tool.duration';
export const METRIC_GEN_AI_TIME_TO_FIRST_CHUNK = 'gen_ai.client.inference.time_to_first_chunk';
export const METRIC_STREAM_STALLS = 'resilience.stream.stalls';
export const METRIC_STREAM_BROKEN = 'resilience.stream.broken';
export const METRIC_TOKENS = 'resilience.tokens';
export const METRIC_INNER_RETRIES = 'resilience.inner_retries';
export const METRIC_HEDGES = 'resilience.hedges';
export const METRIC_HEDGE_SAVED = 'resilience.hedge.saved';
export const METRIC_CHAOS_INJECTIONS = 'resilience.chaos.injections';
/** The GenAI conventions' newest inference names, emitted with `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`. */
export const METRIC_GEN_AI_CLIENT_INFERENCE_DURATION = 'gen_ai.client.inference.duration';
export const METRIC_GEN_AI_INFERENCE_INPUT_TOKENS = 'gen_ai.client.inference.usage.input_tokens';
export const METRIC_GEN_AI_INFERENCE_OUTPUT_TOKENS = 'gen_ai.client.inference.usage.output_tokens';
/** The `OTEL_SEMCONV_STABILITY_OPT_IN` value that switches GenAI metrics to the newest names. */
export const GEN_AI_LATEST_OPT_IN = 'gen_ai_latest_experimental';

/** Instrument kinds, as the OTel API creates them. */
export type InstrumentKind = 'counter' | 'histogram' | 'gauge';

/** Description of one metric: what the SDK creates and what the README, dashboards and tests are checked against. */
export interface MetricDescriptor {
  readonly name: string;
  readonly kind: InstrumentKind;
  readonly unit: string;
  readonly description: string;
  /** Attribute keys a data point may carry. */
  readonly attributes: readonly string[];
}

/** Histogram buckets in seconds, suited to LLM calls that take from milliseconds to minutes. */
export const DURATION_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160, 320,
] as const;
/** Retry-delay buckets in seconds (Retry-After can ask for minutes). */
export const RETRY_DELAY_BUCKETS_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128] as const;
/** GenAI inference buckets from the GenAI semantic conventions. */
export const GEN_AI_DURATION_BUCKETS_SECONDS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
] as const;
/** `gen_ai.client.inference.time_to_first_chunk` buckets from the GenAI semantic conventions. */
export const GEN_AI_TIME_TO_FIRST_CHUNK_BUCKETS_SECONDS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
] as const;
/** `gen_ai.invoke_agent.duration` buckets from the GenAI semantic conventions. */
export const GEN_AI_AGENT_DURATION_BUCKETS_SECONDS = [
  0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4, 204.8, 409.6,
] as const;

// ---------------------------------------------------------------------------------------------------------------
// Fleet coordination (agent-resilience/redis)

/** Name of a fleet coordinator (`createRedisCoordinator({ name })`). Validated like policy names. */
export const ATTR_RESILIENCE_COORDINATOR = 'resilience.coordinator.name';
/** Whether a coordinator reaches its store. Values: {@link COORDINATION_STATES}. */
export const ATTR_RESILIENCE_COORDINATION_STATE = 'resilience.coordination.state';
/** What a coordinator was doing when its store failed it. Values: {@link COORDINATION_OPERATIONS}. */
export const ATTR_RESILIENCE_COORDINATION_OPERATION = 'resilience.coordination.operation';

/** `connected`: shared state is used; `degraded`: each replica runs on its local state until the store is back. */
export const COORDINATION_STATES = ['connected', 'degraded'] as const;
export type CoordinationState = (typeof COORDINATION_STATES)[number];

export const COORDINATION_OPERATIONS = [
  'connect',
  'subscribe',
  'rate_limiter_acquire',
  'rate_limiter_release',
  'circuit_breaker_read',
  'circuit_breaker_publish',
  'circuit_breaker_probe',
  'retry_budget_sync',
  'invalid_value',
] as const;
export type CoordinationOperation = (typeof COORDINATION_OPERATIONS)[number];

/** A coordinator changed state (connected ↔ degraded); span events only. */
export const EVENT_COORDINATION_STATE_CHANGE = 'resilience.coordination.state_change';

export const METRIC_COORDINATION_ERRORS = 'resilience.coordination.errors';
export const METRIC_COORDINATION_STATE = 'resilience.coordination.state';

const P = ATTR_RESILIENCE_POLICY;
const ERR = [ATTR_RESILIENCE_ERROR_CATEGORY, ATTR_ERROR_TYPE] as const;

/** Every metric the SDK emits. The instruments are created from this table and nowhere else. */
export const METRICS = {
  callDuration: {
    name: METRIC_CALL_DURATION,
    kind: 'histogram',
    unit: 's',
    description: 'Duration of logical calls through a resilience policy, all attempts and waits included.',
    attributes: [P, ATTR_RESILIENCE_OUTCOME, ATTR_ERROR_TYPE],
  },
  attemptDuration: {
    name: METRIC_ATTEMPT_DURATION,
    kind: 'histogram',
    unit: 's',
    description:
      'Duration of single attempts of a call: runs of the protected function (a call refused before it runs is a rejection, not an attempt).',
    attributes: [P, ATTR_RESILIENCE_ATTEMPT_KIND, ATTR_RESILIENCE_OUTCOME, ATTR_ERROR_TYPE],
  },
  errors: {
    name: METRIC_ERRORS,
    kind: 'counter',
    unit: '{error}',
    description:
      "Classified errors, one per failed attempt, refusals of an attempt by the breaker or an admission stage included; an inner policy's final error (a `ResilienceError`, e.g. a model policy inside a chain's) is counted by the inner policy only.",
    attributes: [
      P,
      ...ERR,
      ATTR_RESILIENCE_ERROR_SEVERITY,
      ATTR_RESILIENCE_ERROR_RETRYABLE,
      ATTR_RESILIENCE_CHAOS_INJECTED,
    ],
  },
  retries: {
    name: METRIC_RETRIES,
    kind: 'counter',
    unit: '{retry}',
    description: 'Retries scheduled, by the category of the error that caused them.',
    attributes: [P, ATTR_RESILIENCE_ERROR_CATEGORY, ATTR_RESILIENCE_RETRY_DELAY_SOURCE],
  },
  retryDelay: {
    name: METRIC_RETRY_DELAY,
    kind: 'histogram',
    unit: 's',
    description: 'Wait before each retry: the larger of the backoff and the server Retry-After.',
    attributes: [P, ATTR_RESILIENCE_RETRY_DELAY_SOURCE],
  },
  retryExhausted: {
    name: METRIC_RETRY_EXHAUSTED,
    kind: 'counter',
    unit: '{call}',
    description: 'Calls the retry strategy gave up on, by reason.',
    attributes: [P, ATTR_RESILIENCE_RETRY_REASON, ATTR_RESILIENCE_ERROR_CATEGORY],
  },
  circuitBreakerState: {
    name: METRIC_CIRCUIT_BREAKER_STATE,
    kind: 'gauge',
    unit: '{state}',
    description: 'Circuit-breaker state, one-hot: 1 for the current state, 0 for the others.',
    attributes: [P, ATTR_RESILIENCE_CIRCUIT_BREAKER_STATE],
  },
  circuitBreakerTransitions: {
    name: METRIC_CIRCUIT_BREAKER_TRANSITIONS,
    kind: 'counter',
    unit: '{transition}',
    description: 'Circuit-breaker state transitions, from previous_state to state.',
    attributes: [P, ATTR_RESILIENCE_CIRCUIT_BREAKER_PREVIOUS_STATE, ATTR_RESILIENCE_CIRCUIT_BREAKER_STATE],
  },
  rejections: {
    name: METRIC_REJECTIONS,
    kind: 'counter',
    unit: '{call}',
    description: 'Calls or retries refused without running, by the strategy that refused them.',
    attributes: [P, ATTR_RESILIENCE_STRATEGY],
  },
  fallbacks: {
    name: METRIC_FALLBACKS,
    kind: 'counter',
    unit: '{fallback}',
    description: 'Calls served by a fallback, by fallback kind and the category of the failure.',
    attributes: [P, ATTR_RESILIENCE_FALLBACK_KIND, ATTR_RESILIENCE_ERROR_CATEGORY],
  },
  timeouts: {
    name: METRIC_TIMEOUTS,
    kind: 'counter',
    unit: '{timeout}',
    description: 'Attempt or total timeouts that fired.',
    attributes: [P, ATTR_RESILIENCE_TIMEOUT_KIND],
  },
  retryBudgetAvailable: {
    name: METRIC_RETRY_BUDGET_AVAILABLE,
    kind: 'gauge',
    unit: '{retry}',
    description: 'Retries a shared retry budget would allow right now.',
    attributes: [ATTR_RESILIENCE_RETRY_BUDGET],
  },
  retryBudgetCapacity: {
    name: METRIC_RETRY_BUDGET_CAPACITY,
    kind: 'gauge',
    unit: '{retry}',
    description: 'Retries a shared retry budget allows at most over its window.',
    attributes: [ATTR_RESILIENCE_RETRY_BUDGET],
  },
  adaptiveRetryMaxAttempts: {
    name: METRIC_ADAPTIVE_RETRY_MAX_ATTEMPTS,
    kind: 'gauge',
    unit: '{attempt}',
    description: 'Current maximum attempts of an adaptive retry strategy.',
    attributes: [P],
  },
  recoveryTrafficRatio: {
    name: METRIC_RECOVERY_TRAFFIC_RATIO,
    kind: 'gauge',
    unit: '1',
    description: 'Share of calls the recovery ramp currently admits to a downstream (0..1).',
    attributes: [P],
  },
  recoveryState: {
    name: METRIC_RECOVERY_STATE,
    kind: 'gauge',
    unit: '{state}',
    description: 'Recovery state of a downstream, one-hot.',
    attributes: [P, ATTR_RESILIENCE_RECOVERY_STATE],
  },
  recoveryAdmissions: {
    name: METRIC_RECOVERY_ADMISSIONS,
    kind: 'counter',
    unit: '{call}',
    description: 'Admission decisions of the recovery ramp.',
    attributes: [P, ATTR_RESILIENCE_ADMISSION],
  },
  healthChecks: {
    name: METRIC_HEALTH_CHECKS,
    kind: 'counter',
    unit: '{check}',
    description: 'Health checks run against a downstream, by result.',
    attributes: [P, ATTR_RESILIENCE_HEALTH_CHECK_RESULT],
  },
  featureEnabled: {
    name: METRIC_FEATURE_ENABLED,
    kind: 'gauge',
    unit: '{feature}',
    description: 'Whether a degradable feature is enabled (1) or degraded to its fallback (0).',
    attributes: [ATTR_RESILIENCE_FEATURE],
  },
  errorPatterns: {
    name: METRIC_ERROR_PATTERNS,
    kind: 'counter',
    unit: '{pattern}',
    description: 'Error patterns detected by an ErrorAggregator (a category crossing its threshold).',
    attributes: [P, ATTR_RESILIENCE_ERROR_CATEGORY],
  },
  batchRetries: {
    name: METRIC_BATCH_RETRIES,
    kind: 'counter',
    unit: '{retry}',
    description: 'Item retries decided by the batch retry manager.',
    attributes: [ATTR_RESILIENCE_BATCH, ATTR_RESILIENCE_BATCH_DECISION_REASON],
  },
  batchItems: {
    name: METRIC_BATCH_ITEMS,
    kind: 'counter',
    unit: '{item}',
    description: 'Batch item attempts, by outcome.',
    attributes: [ATTR_RESILIENCE_BATCH, ATTR_RESILIENCE_BATCH_ITEM_OUTCOME, ATTR_RESILIENCE_ERROR_CATEGORY],
  },
  batchBreakerTrips: {
    name: METRIC_BATCH_BREAKER_TRIPS,
    kind: 'counter',
    unit: '{trip}',
    description: 'Times the batch consecutive-failure breaker paused a batch.',
    attributes: [ATTR_RESILIENCE_BATCH],
  },
  genAiClientOperationDuration: {
    name: METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
    kind: 'histogram',
    unit: 's',
    description: 'GenAI operation duration (model calls).',
    attributes: [
      ATTR_GEN_AI_OPERATION_NAME,
      ATTR_GEN_AI_PROVIDER_NAME,
      ATTR_GEN_AI_REQUEST_MODEL,
      ATTR_ERROR_TYPE,
    ],
  },
  genAiInvokeAgentDuration: {
    name: METRIC_GEN_AI_INVOKE_AGENT_DURATION,
    kind: 'histogram',
    unit: 's',
    description: 'Duration of agent runs (invoke_agent).',
    attributes: [ATTR_GEN_AI_AGENT_NAME, ATTR_ERROR_TYPE],
  },
  genAiExecuteToolDuration: {
    name: METRIC_GEN_AI_EXECUTE_TOOL_DURATION,
    kind: 'histogram',
    unit: 's',
    description: 'Duration of tool executions (execute_tool).',
    attributes: [ATTR_GEN_AI_TOOL_NAME, ATTR_GEN_AI_AGENT_NAME, ATTR_ERROR_TYPE],
  },
  genAiTimeToFirstChunk: {
    name: METRIC_GEN_AI_TIME_TO_FIRST_CHUNK,
    kind: 'histogram',
    unit: 's',
    description:
      'Time from the start of a streamed call to its first content chunk, retries and fallbacks included.',
    attributes: [P, ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_REQUEST_MODEL],
  },
  streamStalls: {
    name: METRIC_STREAM_STALLS,
    kind: 'counter',
    unit: '{stall}',
    description:
      'Streams that went longer than stallTimeoutMs without a chunk, before or after their commit.',
    attributes: [P, ATTR_RESILIENCE_STREAM_COMMITTED],
  },
  streamBroken: {
    name: METRIC_STREAM_BROKEN,
    kind: 'counter',
    unit: '{stream}',
    description:
      'Streams that broke (error frame, stall, dropped connection): before their commit they are retried or fall back, after it they are reported or continued.',
    attributes: [P, ATTR_RESILIENCE_STREAM_COMMITTED, ATTR_RESILIENCE_ERROR_CATEGORY],
  },
  tokens: {
    name: METRIC_TOKENS,
    kind: 'counter',
    unit: '{token}',
    description:
      'Tokens of model calls: served (the answer the user got) or wasted (attempts that failed, were retried or were replaced by a fallback).',
    attributes: [P, ATTR_RESILIENCE_TOKEN_KIND, ATTR_GEN_AI_TOKEN_TYPE],
  },
  innerRetries: {
    name: METRIC_INNER_RETRIES,
    kind: 'counter',
    unit: '{call}',
    description: 'Calls on which an adapter saw the framework retrying underneath it (retries multiply).',
    attributes: [P, ATTR_RESILIENCE_FRAMEWORK],
  },
  hedges: {
    name: METRIC_HEDGES,
    kind: 'counter',
    unit: '{hedge}',
    description:
      'Hedged attempts (a second request started while the first had not answered or sent its first chunk), by result: won, lost (aborted), or denied (not started: budget empty, target refused).',
    attributes: [P, ATTR_RESILIENCE_HEDGE_RESULT],
  },
  hedgeSaved: {
    name: METRIC_HEDGE_SAVED,
    kind: 'histogram',
    unit: 's',
    description:
      "Latency a winning hedge saved: the original attempt's expected time to answer (the median of the policy's recent original attempts slower than it had run) minus the time it had run when the hedge won. A conservative estimate: the original is aborted, so its real time is never seen.",
    attributes: [P],
  },
  chaosInjections: {
    name: METRIC_CHAOS_INJECTIONS,
    kind: 'counter',
    unit: '{injection}',
    description:
      'Faults chaos injection produced (rehearsals, never real failures), by fault; the failures they cause also carry resilience.chaos.injected on resilience.errors.',
    attributes: [P, ATTR_RESILIENCE_CHAOS_FAULT],
  },
  genAiClientInferenceDuration: {
    name: METRIC_GEN_AI_CLIENT_INFERENCE_DURATION,
    kind: 'histogram',
    unit: 's',
    description:
      'Duration of model inference calls (newest GenAI name; with OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental).',
    attributes: [
      ATTR_GEN_AI_OPERATION_NAME,
      ATTR_GEN_AI_PROVIDER_NAME,
      ATTR_GEN_AI_REQUEST_MODEL,
      ATTR_ERROR_TYPE,
    ],
  },
  genAiInferenceInputTokens: {
    name: METRIC_GEN_AI_INFERENCE_INPUT_TOKENS,
    kind: 'counter',
    unit: '{token}',
    description: 'Input tokens of model inference calls (newest GenAI name; with the opt-in).',
    attributes: [ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_REQUEST_MODEL],
  },
  genAiInferenceOutputTokens: {
    name: METRIC_GEN_AI_INFERENCE_OUTPUT_TOKENS,
    kind: 'counter',
    unit: '{token}',
    description: 'Output tokens of model inference calls (newest GenAI name; with the opt-in).',
    attributes: [ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_REQUEST_MODEL],
  },
  coordinationErrors: {
    name: METRIC_COORDINATION_ERRORS,
    kind: 'counter',
    unit: '{error}',
    description:
      'Operations of a fleet coordinator its store failed, timed out or answered with a value not trusted (each falls back to local state).',
    attributes: [ATTR_RESILIENCE_COORDINATOR, ATTR_RESILIENCE_COORDINATION_OPERATION],
  },
  coordinationState: {
    name: METRIC_COORDINATION_STATE,
    kind: 'gauge',
    unit: '{state}',
    description:
      'Whether a fleet coordinator reaches its store, one-hot: connected or degraded (local state).',
    attributes: [ATTR_RESILIENCE_COORDINATOR, ATTR_RESILIENCE_COORDINATION_STATE],
  },
} as const satisfies Record<string, MetricDescriptor>;

/** Key of {@link METRICS}. */
export type MetricKey = keyof typeof METRICS;

// ---------------------------------------------------------------------------------------------------------------
// Load shedding and recovery (issue 3): span-event attributes, their values and events. None is a metric label.

/** Name of a shared rate limiter, on its `resilience.rejection` span events. Validated like policy names. */
export const ATTR_RESILIENCE_RATE_LIMITER = 'resilience.rate_limiter.name';
/** What moved a recovery manager to its new state; span events only. Values: {@link RECOVERY_TRIGGERS}. */
export const ATTR_RESILIENCE_RECOVERY_TRIGGER = 'resilience.recovery.trigger';
/** Whether a degradable feature is now enabled; span events only. Values: {@link FEATURE_STATES}. */
export const ATTR_RESILIENCE_FEATURE_STATE = 'resilience.feature.state';
/** Why a degradable feature was enabled or disabled; span events only. Values: {@link FEATURE_CHANGE_REASONS}. */
export const ATTR_RESILIENCE_FEATURE_REASON = 'resilience.feature.reason';

export const RECOVERY_TRIGGERS = [
  'health_check',
  'call_outcome',
  'circuit_breaker',
  'ramp_complete',
  'manual',
] as const;
export type RecoveryTrigger = (typeof RECOVERY_TRIGGERS)[number];

export const FEATURE_STATES = ['enabled', 'disabled'] as const;
export type FeatureState = (typeof FEATURE_STATES)[number];

export const FEATURE_CHANGE_REASONS = [
  'manual',
  'error_threshold',
  'cooldown_elapsed',
  'error_pattern',
] as const;
export type FeatureChangeReason = (typeof FEATURE_CHANGE_REASONS)[number];

/** A degradable feature was disabled or enabled again. */
export const EVENT_FEATURE_STATE_CHANGE = 'resilience.feature.state_change';
