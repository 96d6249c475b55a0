import { context, type MetricAttributes, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  type MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/** A metric reader that collects only when a test asks. */
class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** One recorded data point, flattened for assertions. */
export interface Point {
  readonly attributes: MetricAttributes;
  /** Counter/gauge value, or histogram count. */
  readonly value: number;
  /** Histogram sum (undefined for counters and gauges). */
  readonly sum?: number;
}

/**
 * The real OpenTelemetry SDK with in-memory exporters, registered globally (DESIGN.md §6 rule 8): tests assert
 * exact names, units and attributes of what the SDK emits.
 */
export class TestTelemetry {
  readonly spanExporter = new InMemorySpanExporter();
  private readonly reader = new OnDemandReader();
  private readonly meterProvider = new MeterProvider({ readers: [this.reader] });
  private readonly tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: this.spanExporter })],
  });
  private readonly contextManager = new AsyncLocalStorageContextManager();

  /** Registers the providers (and an async context manager) as the global ones. */
  install(): this {
    metrics.setGlobalMeterProvider(this.meterProvider);
    trace.setGlobalTracerProvider(this.tracerProvider);
    context.setGlobalContextManager(this.contextManager.enable());
    return this;
  }

  /** Unregisters and shuts everything down. */
  async uninstall(): Promise<void> {
    metrics.disable();
    trace.disable();
    context.disable();
    await this.meterProvider.shutdown();
    await this.tracerProvider.shutdown();
  }

  /** Collects every metric now, by name. */
  async metrics(): Promise<Map<string, MetricData>> {
    const { resourceMetrics } = await this.reader.collect();
    const byName = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics)
      for (const m of scope.metrics) byName.set(m.descriptor.name, m);
    return byName;
  }

  /** Data points of one metric, optionally only those whose attributes include `match`. */
  async points(name: string, match: MetricAttributes = {}): Promise<Point[]> {
    const metric = (await this.metrics()).get(name);
    if (metric === undefined) return [];
    const matches = (a: MetricAttributes) => Object.entries(match).every(([k, v]) => a[k] === v);
    return metric.dataPoints
      .filter(p => matches(p.attributes))
      .map(p =>
        metric.dataPointType === DataPointType.HISTOGRAM
          ? {
              attributes: p.attributes,
              value: (p.value as { count: number }).count,
              sum: (p.value as { sum: number }).sum,
            }
          : { attributes: p.attributes, value: p.value as number },
      );
  }

  /** Sum of the values (or histogram counts) of the points of `name` matching `match`. */
  async total(name: string, match: MetricAttributes = {}): Promise<number> {
    return (await this.points(name, match)).reduce((sum, p) => sum + p.value, 0);
  }

  /** Finished spans. */
  spans(): ReadableSpan[] {
    return this.spanExporter.getFinishedSpans();
  }

  /** The finished span named `name` (throws when there is not exactly one). */
  span(name: string): ReadableSpan {
    const found = this.spans().filter(s => s.name === name);
    if (found.length !== 1) throw new Error(`expected one span named ${name}, found ${found.length}`);
    return found[0]!;
  }
}
