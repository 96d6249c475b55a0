import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { diag } from '@opentelemetry/api';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { AggregationTemporality, MetricReader } from '@opentelemetry/sdk-metrics';
import { OptionsValidator } from '../util/validate.js';
import { withCollectorNames } from './prometheus-translate.js';

/** Where the embedded endpoint listens. */
export interface PrometheusEndpointOptions {
  /** Interface to bind; use `0.0.0.0` inside a container. @default '127.0.0.1' */
  readonly host?: string;
  /** TCP port; 0 picks a free one. @default 9464 */
  readonly port?: number;
  /** Path of the scrape endpoint. @default '/metrics' */
  readonly path?: string;
}

/** Defaults of {@link PrometheusEndpointOptions}. */
export const PROMETHEUS_ENDPOINT_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 9464,
  path: '/metrics',
});

/**
 * Checks {@link PrometheusEndpointOptions} given as option `path` (`''` for the top level) of what `v` validates.
 */
export function checkPrometheusEndpointOptions(v: OptionsValidator, path: string, options: unknown): void {
  const name = (key: string) => (path === '' ? key : `${path}.${key}`);
  const o = v.object(path, options, ['host', 'port', 'path']);
  v.number(name('port'), o.port, { min: 0, max: 65_535, integer: true });
  if (o.host !== undefined && (typeof o.host !== 'string' || o.host === '')) {
    v.fail(name('host'), 'a host name or IP', o.host, typeof o.host !== 'string');
  }
  if (o.path !== undefined && !(typeof o.path === 'string' && o.path.startsWith('/'))) {
    v.fail(name('path'), 'a path starting with "/"', o.path, typeof o.path !== 'string');
  }
}

/** The path of a request target (origin or absolute form), or undefined when it does not parse. */
function pathnameOf(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? '/', 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}

/**
 * A pull metric reader serving Prometheus text whose series names and labels equal those of the Collector path
 * (OTLP → Collector `prometheus` exporter): unit suffixes (`_seconds`), `_ratio`, `_total`, and `service.name` and
 * `service.instance.id` promoted to `service_name` and `service_instance_id` labels. The stock `PrometheusExporter`
 * adds neither unit suffixes nor those labels.
 */
export class PrometheusEndpoint extends MetricReader {
  private readonly server: Server;
  private readonly serializer = new PrometheusSerializer('', false, /^service\.(name|instance\.id)$/);
  private readonly options: Required<PrometheusEndpointOptions>;

  /** @throws TypeError or RangeError naming each invalid option. */
  constructor(options: PrometheusEndpointOptions = {}) {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
    const v = new OptionsValidator('PrometheusEndpoint');
    checkPrometheusEndpointOptions(v, '', options);
    v.done();
    this.options = {
      host: options.host ?? PROMETHEUS_ENDPOINT_DEFAULTS.host,
      port: options.port ?? PROMETHEUS_ENDPOINT_DEFAULTS.port,
      path: options.path ?? PROMETHEUS_ENDPOINT_DEFAULTS.path,
    };
    this.server = createServer((request, response) => {
      this.handle(request, response).catch(error => {
        diag.error('agent-resilience: serving /metrics failed', error);
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
        response.end('# failed to collect metrics\n');
      });
    });
    this.server.unref();
  }

  /** Starts listening; rejects with a clear error when the port is taken. */
  listen(): Promise<string> {
    const { host, port, path } = this.options;
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        reject(
          error.code === 'EADDRINUSE'
            ? new Error(
                `prometheus.port ${port} on ${host} is already in use; pass another port (0 picks a free one)`,
                {
                  cause: error,
                },
              )
            : error,
        );
      };
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        // A listening server still emits 'error' (EMFILE on accept under a connection flood); unhandled, that
        // would crash the application.
        this.server.on('error', error => diag.error('agent-resilience: the /metrics endpoint failed', error));
        const address = this.server.address() as AddressInfo;
        const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        resolve(`http://${shownHost}:${address.port}${path}`);
      });
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const pathname = pathnameOf(request.url);
    if (pathname === undefined) {
      response.writeHead(400, { 'content-type': 'text/plain' }).end('Bad request\n');
      return;
    }
    if (pathname !== this.options.path) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response
        .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' })
        .end('Method not allowed\n');
      return;
    }
    const { resourceMetrics, errors } = await this.collect();
    for (const error of errors) diag.error('agent-resilience: metric collection error', error);
    const body = this.serializer.serialize(withCollectorNames(resourceMetrics));
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    response.end(request.method === 'HEAD' ? undefined : body);
  }

  protected override async onForceFlush(): Promise<void> {}

  protected override onShutdown(): Promise<void> {
    return new Promise(resolve => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
