import type { Meter, MeterProvider, Tracer, TracerProvider } from '@opentelemetry/api';
import { createNoopMeter, diag, metrics, ProxyTracerProvider, trace } from '@opentelemetry/api';
import { SCOPE_NAME } from '../semconv.js';
import { createInstruments, type Instruments } from './instruments.js';
import { PACKAGE_VERSION } from './version.js';

interface MeterState {
  readonly instruments: Instruments;
  readonly enabled: boolean;
}

interface TracerState {
  readonly tracer: Tracer;
  readonly enabled: boolean;
}

const NOOP_METER = createNoopMeter();
const NOOP_METER_STATE: MeterState = { instruments: createInstruments(NOOP_METER), enabled: false };
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();
const NOOP_TRACER_STATE: TracerState = {
  tracer: NOOP_TRACER_PROVIDER.getTracer(SCOPE_NAME, PACKAGE_VERSION),
  enabled: false,
};

/**
 * The OpenTelemetry handles a call records through, resolved from the globally registered providers.
 * `metricsEnabled` / `tracingEnabled` are false when no SDK is registered, so hot paths can skip clock reads
 * and span work entirely.
 */
export interface Telemetry {
  readonly metricsEnabled: boolean;
  readonly tracingEnabled: boolean;
  readonly instruments: Instruments;
  readonly tracer: Tracer;
}

let meterProvider: MeterProvider | undefined;
let meterState: MeterState | undefined;
let tracerDelegate: TracerProvider | undefined;
let tracerState: TracerState | undefined;
let current: Telemetry | undefined;

/**
 * The instruments of `provider`'s meter. A provider that throws (or returns no meter) gets instruments that
 * record nothing, reported once: the caller caches the result per provider, so a broken provider costs nothing
 * on later calls and never changes a call's outcome.
 */
function resolveMeter(provider: MeterProvider): MeterState {
  try {
    const meter: Meter = provider.getMeter(SCOPE_NAME, PACKAGE_VERSION);
    if (typeof meter !== 'object' || meter === null)
      throw new TypeError(`getMeter returned ${String(meter)}`);
    return { instruments: createInstruments(meter), enabled: !(meter instanceof NOOP_METER.constructor) };
  } catch (error) {
    diag.error('agent-resilience: resolving the meter failed; metrics are off for this provider', error);
    return NOOP_METER_STATE;
  }
}

/** Like {@link resolveMeter} for the tracer of a tracer provider. */
function resolveTracer(delegate: TracerProvider): TracerState {
  try {
    const tracer = delegate.getTracer(SCOPE_NAME, PACKAGE_VERSION);
    if (typeof tracer?.startSpan !== 'function') throw new TypeError(`getTracer returned ${String(tracer)}`);
    return { tracer, enabled: delegate !== NOOP_TRACER_PROVIDER };
  } catch (error) {
    diag.error('agent-resilience: resolving the tracer failed; tracing is off for this provider', error);
    return NOOP_TRACER_STATE;
  }
}

/** The tracer provider registered globally (unwrapped from the API's proxy), or the no-op one. */
export function globalTracerDelegate(): TracerProvider {
  const global = trace.getTracerProvider();
  return global instanceof ProxyTracerProvider ? global.getDelegate() : global;
}

/**
 * The telemetry handles for the currently registered global providers. Instruments are created once per
 * meter provider; a provider registered (or replaced) after policies were built is picked up on the next call.
 * Never throws: a provider that fails falls back to no-op handles (see {@link resolveMeter}).
 */
export function currentTelemetry(): Telemetry {
  const provider = metrics.getMeterProvider();
  const delegate = globalTracerDelegate();
  if (current !== undefined && provider === meterProvider && delegate === tracerDelegate) return current;
  if (provider !== meterProvider || meterState === undefined) {
    meterProvider = provider;
    meterState = resolveMeter(provider);
  }
  if (delegate !== tracerDelegate || tracerState === undefined) {
    tracerDelegate = delegate;
    tracerState = resolveTracer(delegate);
  }
  current = {
    metricsEnabled: meterState.enabled,
    tracingEnabled: tracerState.enabled,
    instruments: meterState.instruments,
    tracer: tracerState.tracer,
  };
  return current;
}
