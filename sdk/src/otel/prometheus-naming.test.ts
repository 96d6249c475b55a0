import { describe, expect, it } from 'vitest';
import { prometheusLabelName, prometheusMetricName } from './prometheus-naming.js';

describe('prometheusMetricName (otlptranslator UnderscoreEscapingWithSuffixes)', () => {
  it.each([
    ['resilience.call.duration', 's', 'histogram', 'resilience_call_duration_seconds'],
    ['resilience.errors', '{error}', 'counter', 'resilience_errors_total'],
    ['resilience.circuit_breaker.state', '{state}', 'gauge', 'resilience_circuit_breaker_state'],
    ['resilience.recovery.traffic_ratio', '1', 'gauge', 'resilience_recovery_traffic_ratio'],
    ['process.cpu.utilization', '1', 'gauge', 'process_cpu_utilization_ratio'],
    ['http.sent', 'By', 'counter', 'http_sent_bytes_total'],
    ['http.bytes', 'By', 'counter', 'http_bytes_total'],
    ['requests.total.count', '1', 'counter', 'requests_count_total'],
    ['net.io', 'By/s', 'gauge', 'net_io_bytes_per_second'],
    ['queue.size', '{item}', 'updowncounter', 'queue_size'],
    ['gen_ai.client.token.usage', '{token}', 'histogram', 'gen_ai_client_token_usage'],
    ['1st.metric', '', 'gauge', '_1st_metric'],
    ['odd__name--x', 'widgets', 'gauge', 'odd_name_x_widgets'],
  ] as const)('%s [%s, %s] → %s', (name, unit, type, expected) => {
    expect(prometheusMetricName(name, unit, type)).toBe(expected);
  });
});

describe('prometheusLabelName', () => {
  it.each([
    ['resilience.policy', 'resilience_policy'],
    ['error.type', 'error_type'],
    ['service.name', 'service_name'],
    ['2fa', 'key_2fa'],
    ['_private', 'key_private'],
    ['__reserved', '__reserved'],
  ])('%s → %s', (key, expected) => {
    expect(prometheusLabelName(key)).toBe(expected);
  });
});
