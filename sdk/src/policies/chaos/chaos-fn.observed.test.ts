/** Issue 11 §2: an injection is counted and recorded on the attempt's span; telemetry never changes the outcome. */
import { context, metrics, type Span, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError } from '../../classify/classifier.js';
import {
  ATTR_RESILIENCE_CHAOS_FAULT,
  ATTR_RESILIENCE_POLICY,
  EVENT_CHAOS_INJECTION,
  METRIC_CHAOS_INJECTIONS,
} from '../../semconv.js';
import { captureDiagErrors } from '../../test-support/diag.js';
import { TestTelemetry } from '../../test-support/otel.js';
import { chaosFn } from './chaos-fn.js';
import { attempts, CALL, on, runtime } from './test-support/harness.js';

describe('chaosFn: telemetry', () => {
  let otel: TestTelemetry | undefined;
  afterEach(async () => {
    await otel?.uninstall();
    otel = undefined;
  });

  it('counts resilience.chaos.injections by policy and fault, and adds a span event on the active span', async () => {
    otel = new TestTelemetry().install();
    const chaos = on([
      { fault: 'latency', rate: 1, latencyMs: 0 },
      { fault: 'timeout', rate: 1 },
    ]);
    const wrapped = chaosFn(chaos, runtime, CALL, async () => 'ok');
    const tracer = trace.getTracer('test');
    await tracer.startActiveSpan('attempt', async span => {
      await attempts(wrapped, 2);
      span.end();
    });
    expect(await otel.points(METRIC_CHAOS_INJECTIONS)).toEqual([
      { attributes: { [ATTR_RESILIENCE_POLICY]: 'llm', [ATTR_RESILIENCE_CHAOS_FAULT]: 'latency' }, value: 2 },
      { attributes: { [ATTR_RESILIENCE_POLICY]: 'llm', [ATTR_RESILIENCE_CHAOS_FAULT]: 'timeout' }, value: 2 },
    ]);
    const events = otel.span('attempt').events;
    expect(events.map(e => [e.name, e.attributes?.[ATTR_RESILIENCE_CHAOS_FAULT]])).toEqual([
      [EVENT_CHAOS_INJECTION, 'latency'],
      [EVENT_CHAOS_INJECTION, 'timeout'],
      [EVENT_CHAOS_INJECTION, 'latency'],
      [EVENT_CHAOS_INJECTION, 'timeout'],
    ]);
  });

  it('a meter or span that throws never changes the outcome', async () => {
    const diagErrors = captureDiagErrors();
    const thrower = () => {
      throw new Error('telemetry exploded');
    };
    const noopInstrument = { add() {}, record() {}, addCallback() {}, removeCallback() {} };
    metrics.setGlobalMeterProvider({
      getMeter: () =>
        ({
          createCounter: () => ({ add: thrower }),
          createHistogram: () => noopInstrument,
          createObservableGauge: () => noopInstrument,
        }) as never,
    });
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    const span = { isRecording: () => true, addEvent: thrower } as unknown as Span;
    try {
      const chaos = on([{ fault: 'content_filtered', rate: 1, provider: 'anthropic' }]);
      const wrapped = chaosFn(chaos, runtime, CALL, async () => 'ok');
      const [error] = await context.with(trace.setSpan(context.active(), span), () => attempts(wrapped, 1));
      expect(classifyError(error)).toMatchObject({ category: 'content_filtered', injected: true });
      expect(chaos.state().injections.content_filtered).toBe(1);
      expect(diagErrors.some(m => m.includes('chaos injection'))).toBe(true);
      expect(diagErrors.some(m => m.includes(EVENT_CHAOS_INJECTION))).toBe(true);
    } finally {
      metrics.disable();
      context.disable();
    }
  });
});
