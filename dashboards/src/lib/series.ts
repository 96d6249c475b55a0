/**
 * Prometheus series the dashboards query: the telemetry contract of `sdk/src/semconv.ts` after the OTel →
 * Prometheus translation (`prometheusMetricName`), plus the recording rules of
 * `dashboards/prometheus/rules/`. `test/dashboards.test.ts` fails if any name here is not in the contract.
 */

// Histograms (append _bucket / _count / _sum).
export const CALL_DURATION = 'resilience_call_duration_seconds';
export const ATTEMPT_DURATION = 'resilience_attempt_duration_seconds';
export const RETRY_DELAY = 'resilience_retry_delay_seconds';
export const GEN_AI_OPERATION_DURATION = 'gen_ai_client_operation_duration_seconds';
export const GEN_AI_AGENT_DURATION = 'gen_ai_invoke_agent_duration_seconds';
export const GEN_AI_TOOL_DURATION = 'gen_ai_execute_tool_duration_seconds';
/** Model-call duration under the newest GenAI name (`OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`). */
export const GEN_AI_INFERENCE_DURATION = 'gen_ai_client_inference_duration_seconds';
/** Model-call duration under either GenAI name: a process reports one of them. */
export const MODEL_CALL_DURATIONS = [GEN_AI_OPERATION_DURATION, GEN_AI_INFERENCE_DURATION] as const;
export const TIME_TO_FIRST_CHUNK = 'gen_ai_client_inference_time_to_first_chunk_seconds';
/** Latency a winning hedge saved. */
export const HEDGE_SAVED = 'resilience_hedge_saved_seconds';

/** Logical calls, by `resilience_outcome`. */
export const CALLS = `${CALL_DURATION}_count`;
export const ATTEMPTS = `${ATTEMPT_DURATION}_count`;
export const AGENT_RUNS = `${GEN_AI_AGENT_DURATION}_count`;
export const TOOL_CALLS = `${GEN_AI_TOOL_DURATION}_count`;
/** Model calls under either GenAI name. */
export const MODEL_CALLS = MODEL_CALL_DURATIONS.map(name => `${name}_count`);

// Counters.
export const ERRORS = 'resilience_errors_total';
export const RETRIES = 'resilience_retries_total';
export const RETRY_EXHAUSTED = 'resilience_retry_exhausted_total';
export const TRANSITIONS = 'resilience_circuit_breaker_transitions_total';
export const REJECTIONS = 'resilience_rejections_total';
export const ADMISSIONS = 'resilience_recovery_admissions_total';
export const HEALTH_CHECKS = 'resilience_health_checks_total';
export const ERROR_PATTERNS = 'resilience_error_patterns_total';
export const STREAM_STALLS = 'resilience_stream_stalls_total';
export const STREAM_BROKEN = 'resilience_stream_broken_total';
/** Tokens of model calls by `resilience_token_kind` (served, wasted) and `gen_ai_token_type`. */
export const TOKENS = 'resilience_tokens_total';
/** Store operations a fleet coordinator failed (agent-resilience/redis), by `resilience_coordination_operation`. */
export const COORDINATION_ERRORS = 'resilience_coordination_errors_total';
/** Faults chaos injection produced (rehearsals), by `resilience_chaos_fault`. */
export const CHAOS_INJECTIONS = 'resilience_chaos_injections_total';
/** Hedged attempts by `resilience_hedge_result` (won, lost, denied). */
export const HEDGES = 'resilience_hedges_total';

// Gauges.
export const BREAKER_STATE = 'resilience_circuit_breaker_state';
export const BUDGET_AVAILABLE = 'resilience_retry_budget_available';
export const BUDGET_CAPACITY = 'resilience_retry_budget_capacity';
export const TRAFFIC_RATIO = 'resilience_recovery_traffic_ratio';
export const RECOVERY_STATE = 'resilience_recovery_state';
/** One-hot: whether a fleet coordinator reaches its store (connected) or runs on local state (degraded). */
export const COORDINATION_STATE = 'resilience_coordination_state';

// Recording rules (dashboards/prometheus/rules/*.yaml).
export const FAILURE_RATIO_5M = 'policy:resilience_call_failures:ratio_rate5m';
export const FALLBACK_SHARE_5M = 'policy:resilience_fallbacks:ratio_rate5m';
export const RETRIES_PER_CALL_5M = 'policy:resilience_retries_per_call:ratio_rate5m';
export const ERRORS_5M = 'policy_category:resilience_errors:rate5m';
export const ERRORS_1H = 'policy_category:resilience_errors:rate1h';
export const BUDGET_RATIO = 'instance_budget:resilience_retry_budget_available:ratio';
