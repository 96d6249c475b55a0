import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPolicy } from '../pipeline/create-policy.js';
import {
  ATTR_RESILIENCE_ADMISSION,
  ATTR_RESILIENCE_HEALTH_CHECK_RESULT,
  ATTR_RESILIENCE_POLICY,
  ATTR_RESILIENCE_RECOVERY_PREVIOUS_STATE,
  ATTR_RESILIENCE_RECOVERY_STATE,
  ATTR_RESILIENCE_RECOVERY_TRIGGER,
  ATTR_RESILIENCE_STRATEGY,
  EVENT_RECOVERY_STATE_CHANGE,
  EVENT_REJECTION,
  METRIC_HEALTH_CHECKS,
  METRIC_RECOVERY_ADMISSIONS,
  METRIC_RECOVERY_STATE,
  METRIC_RECOVERY_TRAFFIC_RATIO,
  METRIC_REJECTIONS,
} from '../semconv.js';
import { httpError } from '../test-support/errors.js';
import { TestTelemetry } from '../test-support/otel.js';
import { createRecoveryManager } from './create-recovery-manager.js';

describe('recovery telemetry', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  it('reports traffic ratio, one-hot state, admissions, health checks, rejections and state-change events', async () => {
    let healthy = true;
    const manager = createRecoveryManager('openai', {
      registry: null,
      healthCheck: () => healthy,
      failureThreshold: 1,
      successThreshold: 1,
      ramp: { kind: 'steps', steps: [0.5], stepMs: 1_000 },
      random: () => 0.7,
      now: () => 0,
    });
    const policy = createPolicy('openai.chat', {
      registry: null,
      recovery: manager,
      fallback: { value: 'fb' },
    });
    await policy.execute(() => Promise.reject(httpError(503)));
    await policy.execute(() => 'ok');
    expect(manager.state).toBe('recovering');
    await expect(policy.execute(() => 'ok')).resolves.toBe('fb');
    await manager.runHealthCheck();

    const base = { [ATTR_RESILIENCE_POLICY]: 'openai' };
    const metrics = await otel.metrics();
    expect(metrics.get(METRIC_RECOVERY_TRAFFIC_RATIO)?.descriptor).toMatchObject({ unit: '1' });
    expect(await otel.points(METRIC_RECOVERY_TRAFFIC_RATIO)).toEqual([{ attributes: base, value: 0.5 }]);
    expect(await otel.points(METRIC_RECOVERY_STATE)).toEqual(
      ['healthy', 'degraded', 'recovering', 'failed'].map(state => ({
        attributes: { ...base, [ATTR_RESILIENCE_RECOVERY_STATE]: state },
        value: state === 'recovering' ? 1 : 0,
      })),
    );
    expect(await otel.points(METRIC_RECOVERY_ADMISSIONS)).toEqual([
      { attributes: { ...base, [ATTR_RESILIENCE_ADMISSION]: 'admitted' }, value: 2 },
      { attributes: { ...base, [ATTR_RESILIENCE_ADMISSION]: 'shed' }, value: 1 },
    ]);
    healthy = false;
    await manager.runHealthCheck();
    expect(manager.snapshot().lastTransition).toMatchObject({
      from: 'recovering',
      to: 'degraded',
      trigger: 'health_check',
    });
    expect(await otel.points(METRIC_HEALTH_CHECKS)).toEqual([
      { attributes: { ...base, [ATTR_RESILIENCE_HEALTH_CHECK_RESULT]: 'pass' }, value: 1 },
      { attributes: { ...base, [ATTR_RESILIENCE_HEALTH_CHECK_RESULT]: 'fail' }, value: 1 },
    ]);
    const rejection = { [ATTR_RESILIENCE_POLICY]: 'openai.chat', [ATTR_RESILIENCE_STRATEGY]: 'recovery' };
    expect(await otel.points(METRIC_REJECTIONS)).toEqual([{ attributes: rejection, value: 1 }]);

    // On the attempt span when there is one, else on the call span (a call's only attempt has none by default).
    const spans = otel.spans().filter(s => s.name === 'openai.chat attempt' || s.name === 'openai.chat');
    const changes = spans.flatMap(s => s.events.filter(e => e.name === EVENT_RECOVERY_STATE_CHANGE));
    expect(changes.map(e => e.attributes)).toEqual([
      {
        ...base,
        [ATTR_RESILIENCE_RECOVERY_PREVIOUS_STATE]: 'healthy',
        [ATTR_RESILIENCE_RECOVERY_STATE]: 'degraded',
        [ATTR_RESILIENCE_RECOVERY_TRIGGER]: 'call_outcome',
      },
      {
        ...base,
        [ATTR_RESILIENCE_RECOVERY_PREVIOUS_STATE]: 'degraded',
        [ATTR_RESILIENCE_RECOVERY_STATE]: 'recovering',
        [ATTR_RESILIENCE_RECOVERY_TRIGGER]: 'call_outcome',
      },
    ]);
    expect(
      spans.flatMap(s => s.events.filter(e => e.name === EVENT_REJECTION)).map(e => e.attributes),
    ).toEqual([rejection]);
    manager.dispose();
  });
});
