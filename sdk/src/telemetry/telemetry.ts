import type { Meter, MeterProvider, Tracer, TracerProvider } from '@opentelemetry/api';
import { createNoopMeter, metrics, ProxyTracerProvider, trace } from '@opentelemetry/api';
import { SCOPE_NAME } from '../semconv.js';
import { createInstruments, type Instruments } from './instruments.js';
import { PACKAGE_VERSION } from './version.js';

const NOOP_METER_CLASS = createNoopMeter().constructor;
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();

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
let meterState: { readonly instruments: Instruments; readonly enabled: boolean } | undefined;
let tracerDelegate: TracerProvider | undefined;
let tracerState: { readonly tracer: Tracer; readonly enabled: boolean } | undefined;
let current: Telemetry | undefined;

function resolveMeter(provider: MeterProvider): { instruments: Instruments; enabled: boolean } {
  const meter: Meter = provider.getMeter(SCOPE_NAME, PACKAGE_VERSION);
  return { instruments: createInstruments(meter), enabled: !(meter instanceof NOOP_METER_CLASS) };
}

function currentTracerDelegate(): TracerProvider {
  const global = trace.getTracerProvider();
  return global instanceof ProxyTracerProvider ? global.getDelegate() : global;
}

/**
 * The telemetry handles for the currently registered global providers. Instruments are created once per
 * meter provider; a provider registered (or replaced) after policies were built is picked up on the next call.
 */
export function currentTelemetry(): Telemetry {
  const provider = metrics.getMeterProvider();
  const delegate = currentTracerDelegate();
  if (current !== undefined && provider === meterProvider && delegate === tracerDelegate) return current;
  if (provider !== meterProvider || meterState === undefined) {
    meterProvider = provider;
    meterState = resolveMeter(provider);
  }
  if (delegate !== tracerDelegate || tracerState === undefined) {
    tracerDelegate = delegate;
    tracerState = {
      tracer: delegate.getTracer(SCOPE_NAME, PACKAGE_VERSION),
      enabled: delegate !== NOOP_TRACER_PROVIDER,
    };
  }
  current = {
    metricsEnabled: meterState.enabled,
    tracingEnabled: tracerState.enabled,
    instruments: meterState.instruments,
    tracer: tracerState.tracer,
  };
  return current;
}
