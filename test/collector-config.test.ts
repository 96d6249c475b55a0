/**
 * collector/otel-collector.yaml, checked without a Collector binary: current component names, a consistent
 * pipeline wiring, processor order, listen addresses reachable from other containers, and the Prometheus
 * exporter settings the dashboards depend on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from './telemetry-names.js';

type Components = Record<string, Record<string, unknown> | null>;
interface Pipeline {
  readonly receivers?: readonly string[];
  readonly processors?: readonly string[];
  readonly exporters?: readonly string[];
}
interface CollectorConfig {
  readonly extensions?: Components;
  readonly receivers?: Components;
  readonly processors?: Components;
  readonly exporters?: Components;
  readonly connectors?: Components;
  readonly service: { readonly extensions?: readonly string[]; readonly pipelines: Record<string, Pipeline> };
}

const config = parse(
  readFileSync(join(REPO_ROOT, 'collector/otel-collector.yaml'), 'utf8'),
) as CollectorConfig;
const pipelines = Object.entries(config.service.pipelines);

/** Component ids are `<type>` or `<type>/<name>`. */
const typeOf = (id: string): string => id.split('/')[0]!;

/** Component types renamed in Collector v0.144.0; the old names are deprecated aliases. */
const DEPRECATED_EXPORTERS: Record<string, string> = { otlp: 'otlp_grpc', otlphttp: 'otlp_http' };

/** Listen addresses in the config: every `endpoint` under receivers and extensions. */
function listenEndpoints(components: Components | undefined): string[] {
  const found: string[] = [];
  const walk = (node: unknown) => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'endpoint' && typeof value === 'string') found.push(value);
      else walk(value);
    }
  };
  walk(components ?? {});
  return found;
}

describe('collector/otel-collector.yaml', () => {
  it('uses the current exporter names, not the deprecated otlp / otlphttp aliases', () => {
    for (const id of Object.keys(config.exporters ?? {})) {
      const replacement = DEPRECATED_EXPORTERS[typeOf(id)];
      expect(replacement, `exporter ${id} is deprecated: use ${replacement}`).toBeUndefined();
    }
    expect(Object.keys(config.exporters ?? {}).some(id => typeOf(id) === 'otlp_grpc')).toBe(true);
  });

  it('defines every component a pipeline uses, and uses every component it defines', () => {
    const defined = {
      receivers: Object.keys(config.receivers ?? {}),
      processors: Object.keys(config.processors ?? {}),
      exporters: Object.keys(config.exporters ?? {}),
    };
    const connectors = Object.keys(config.connectors ?? {});
    for (const kind of ['receivers', 'processors', 'exporters'] as const) {
      const used = new Set(pipelines.flatMap(([, p]) => p[kind] ?? []));
      for (const id of used) expect([...defined[kind], ...connectors], `${kind}: ${id}`).toContain(id);
      for (const id of defined[kind]) expect(used.has(id), `${kind}: ${id} is defined but unused`).toBe(true);
    }
    const extensions = config.service.extensions ?? [];
    expect([...extensions].sort()).toEqual(Object.keys(config.extensions ?? {}).sort());
  });

  it.each(pipelines)('pipeline %s runs memory_limiter first and batch after it', (_, pipeline) => {
    const processors = (pipeline.processors ?? []).map(typeOf);
    expect(processors[0]).toBe('memory_limiter');
    expect(processors.indexOf('batch')).toBeGreaterThan(0);
    expect(pipeline.receivers?.length).toBeGreaterThan(0);
    expect(pipeline.exporters?.length).toBeGreaterThan(0);
  });

  it('receives OTLP over gRPC and HTTP and serves health_check, all on 0.0.0.0', () => {
    const otlp = config.receivers?.otlp as { protocols?: Record<string, { endpoint?: string }> } | undefined;
    expect(otlp?.protocols?.grpc?.endpoint).toBe('0.0.0.0:4317');
    expect(otlp?.protocols?.http?.endpoint).toBe('0.0.0.0:4318');
    expect((config.extensions?.health_check as { endpoint?: string } | undefined)?.endpoint).toBe(
      '0.0.0.0:13133',
    );
    for (const endpoint of [...listenEndpoints(config.receivers), ...listenEndpoints(config.extensions)]) {
      expect(endpoint, `${endpoint} is not reachable from other containers`).toMatch(/^0\.0\.0\.0:\d+$/);
    }
  });

  it('sends traces to the trace backend and metrics to the Prometheus exporter on :8889', () => {
    const traces = config.service.pipelines.traces?.exporters ?? [];
    expect(traces.some(id => typeOf(id) === 'otlp_grpc' || typeOf(id) === 'otlp_http')).toBe(true);
    expect(config.service.pipelines.metrics?.exporters).toContain('prometheus');
    expect((config.exporters?.prometheus as { endpoint?: string } | undefined)?.endpoint).toBe(
      '0.0.0.0:8889',
    );
  });

  // service.instance.id tells the replicas of a fleet apart (issue 10): `instance` carries it too on this path, but
  // on the SDK's embedded /metrics path `instance` is the scrape target, so dashboards and alerts use the label
  // that means the same on both.
  it('promotes service.name and service.instance.id to labels with the current option, and keeps the default naming', () => {
    const prometheus = config.exporters?.prometheus as Record<string, unknown>;
    expect(prometheus.resource_constant_labels).toEqual({
      included: ['service.name', 'service.instance.id'],
    });
    expect(prometheus).not.toHaveProperty('resource_to_telemetry_conversion');
    expect(prometheus).not.toHaveProperty('add_metric_suffixes');
    expect(prometheus.translation_strategy).toBe('UnderscoreEscapingWithSuffixes');
  });
});
