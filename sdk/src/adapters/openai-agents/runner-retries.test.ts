import { retryPolicies } from '@openai/agents-core';
import { diag, SpanKind } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ATTR_RESILIENCE_FRAMEWORK, METRIC_INNER_RETRIES } from '../../semconv.js';
import { captureDiagWarnings } from '../../test-support/diag.js';
import { httpError } from '../../test-support/errors.js';
import { TestTelemetry } from '../../test-support/otel.js';
import { withResilience } from './resilient-model.js';
import { runnerRetries } from './runner-retries.js';
import { requestOf, ScriptedModel } from './test-support/scripted-model.js';

const runnerRetrying = { retry: { maxRetries: 2, policy: retryPolicies.networkError() } };

describe('the runner retrying around the adapter (stacked retries)', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    diag.disable();
    await otel.uninstall();
  });

  it('sees modelSettings.retry with retries and a policy, and nothing else', () => {
    expect(runnerRetries(requestOf({ modelSettings: runnerRetrying }))).toBe(true);
    expect(runnerRetries(requestOf())).toBe(false);
    expect(
      runnerRetries(requestOf({ modelSettings: { retry: { maxRetries: 0, policy: () => true } } })),
    ).toBe(false);
    // Without a policy the runner never retries (retries are opt-in).
    expect(runnerRetries(requestOf({ modelSettings: { retry: { maxRetries: 3 } } }))).toBe(false);
  });

  it('counts every call made with runner retries on, and warns once how to turn them off', async () => {
    const warnings = captureDiagWarnings();
    const model = withResilience({ model: new ScriptedModel(), name: 'gpt-4o' }, { registry: null });
    await model.getResponse(requestOf({ modelSettings: runnerRetrying }));
    await model.getResponse(requestOf({ modelSettings: runnerRetrying }));
    await model.getResponse(requestOf());
    expect(await otel.total(METRIC_INNER_RETRIES, { [ATTR_RESILIENCE_FRAMEWORK]: 'openai_agents' })).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('modelSettings.retry');
    model.dispose();
  });

  it('advises the runner not to retry on top of the policy', () => {
    const model = withResilience({ model: new ScriptedModel(), name: 'gpt-4o' }, { registry: null });
    expect(model.getRetryAdvice()).toMatchObject({ suggested: false });
    model.dispose();
  });

  it('emits only resilience spans: INTERNAL, named after the policies, without gen_ai usage', async () => {
    const primary = new ScriptedModel([{ fail: httpError(503) }]);
    const model = withResilience(
      { model: primary, name: 'gpt-4o' },
      { registry: null, policy: { retry: { initialDelayMs: 1 } } },
    );
    await model.getResponse(requestOf());
    const spans = otel.spans();
    expect(spans.length).toBeGreaterThan(0);
    for (const span of spans) {
      expect(span.kind).toBe(SpanKind.INTERNAL);
      expect(span.name.startsWith('openai_agents')).toBe(true);
      expect(Object.keys(span.attributes).filter(k => k.startsWith('gen_ai.usage'))).toEqual([]);
    }
    model.dispose();
  });
});
