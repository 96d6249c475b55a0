import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/** Counts exported spans without keeping them (an in-memory exporter would grow without bound). */
class CountingSpanExporter implements SpanExporter {
  exported = 0;
  export(spans: ReadableSpan[], done: (result: { code: number }) => void): void {
    this.exported += spans.length;
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
  async forceFlush(): Promise<void> {}
}

/** The global OpenTelemetry configurations the benchmark compares. */
export type OtelState = 'none' | 'metrics' | 'metrics+spans' | 'metrics+spans+als';

export const spanExporter = new CountingSpanExporter();
const meterProvider = new MeterProvider({
  readers: [
    new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
      exportIntervalMillis: 3_600_000,
    }),
  ],
});
export const tracerProvider = new TracerProvider({
  spanProcessors: [new BatchSpanProcessor({ exporter: spanExporter })],
});
const contextManager = new AsyncLocalStorageContextManager();

/** Switches the global providers (the SDK resolves them per call, so the switch takes effect at once). */
export function useOtel(state: OtelState): void {
  metrics.disable();
  trace.disable();
  context.disable();
  if (state === 'none') return;
  metrics.setGlobalMeterProvider(meterProvider);
  if (state === 'metrics') return;
  trace.setGlobalTracerProvider(tracerProvider);
  if (state === 'metrics+spans+als') context.setGlobalContextManager(contextManager.enable());
}

/** Flushes pending spans and shuts the providers down. */
export async function shutdownOtel(): Promise<void> {
  useOtel('none');
  await tracerProvider.forceFlush();
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
}
