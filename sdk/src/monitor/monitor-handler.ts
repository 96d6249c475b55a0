import type { IncomingMessage, ServerResponse } from 'node:http';
import { diag } from '@opentelemetry/api';
import { defaultRegistry, type PolicyRegistry, type RegisteredCircuitBreaker } from '../core/registry.js';
import { POLICY_NAME_PATTERN } from '../semconv.js';
import { OptionsValidator } from '../util/validate.js';
import { authorize } from './auth.js';
import { healthSummary } from './health.js';
import { HttpError, readJsonBody, sendError, sendJson } from './http.js';

/** Options of {@link createMonitorHandler}. */
export interface MonitorOptions {
  /** Registry to report on. @default defaultRegistry */
  readonly registry?: PolicyRegistry;
  /** Bearer token required by mutating routes; without one they answer 403. @default undefined */
  readonly token?: string;
  /** Largest accepted request body. @default 16384 */
  readonly maxBodyBytes?: number;
}

/** A `node:http` request handler; `next` (Express style) is called for paths it does not serve. */
export type MonitorHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

type Route = (ctx: {
  request: IncomingMessage;
  params: string[];
}) => Promise<{ status?: number; body: unknown }>;

interface RouteTable {
  readonly pattern: RegExp;
  readonly methods: Readonly<Record<string, Route>>;
}

function decodeName(raw: string): string {
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'invalid_name', 'Malformed percent-encoding in the name');
  }
  if (!POLICY_NAME_PATTERN.test(name)) {
    throw new HttpError(400, 'invalid_name', 'Names are 1-64 characters from [A-Za-z0-9_.:-]');
  }
  return name;
}

/**
 * The monitoring HTTP API over a policy registry: health summary, circuit breakers (with manual reset), retry
 * budgets and recovery managers, as JSON. Use it with `http.createServer(handler)` (bind 127.0.0.1 unless you
 * put authentication in front of it) or mount it in Express (`app.use('/resilience', handler)`).
 *
 * Routes: `GET /health`, `GET /circuit-breakers`, `GET /circuit-breakers/:name`,
 * `POST /circuit-breakers/:name/reset`, `POST /circuit-breakers/reset-all`, `GET /retry-budgets`, `GET /recovery`.
 */
export function createMonitorHandler(options: MonitorOptions = {}): MonitorHandler {
  const v = new OptionsValidator('createMonitorHandler');
  const o = v.object('options', options, ['registry', 'token', 'maxBodyBytes']);
  if (o.token !== undefined && (typeof o.token !== 'string' || o.token.length < 16)) {
    v.fail(
      'token',
      'a string of at least 16 characters',
      typeof o.token === 'string' ? '(a shorter string)' : o.token,
    );
  }
  v.number('maxBodyBytes', o.maxBodyBytes, { min: 0, integer: true });
  v.done();
  const registry = options.registry ?? defaultRegistry;
  const limit = options.maxBodyBytes ?? 16_384;

  const breaker = (name: string): RegisteredCircuitBreaker => {
    const found = registry.get('circuitBreaker', name);
    if (found === undefined) throw new HttpError(404, 'not_found', `No circuit breaker named "${name}"`);
    return found;
  };
  const mutate = async (request: IncomingMessage): Promise<void> => {
    authorize(request, options.token);
    await readJsonBody(request, limit);
  };

  const routes: readonly RouteTable[] = [
    {
      pattern: /^\/health$/,
      methods: {
        GET: async () => {
          const summary = healthSummary(registry);
          return { status: summary.status === 'unhealthy' ? 503 : 200, body: summary };
        },
      },
    },
    {
      pattern: /^\/circuit-breakers$/,
      methods: { GET: async () => ({ body: registry.list('circuitBreaker').map(b => b.snapshot()) }) },
    },
    {
      pattern: /^\/circuit-breakers\/reset-all$/,
      methods: {
        POST: async ({ request }) => {
          await mutate(request);
          const breakers = registry.list('circuitBreaker');
          for (const b of breakers) b.reset();
          return { body: { reset: breakers.map(b => b.name) } };
        },
      },
    },
    {
      pattern: /^\/circuit-breakers\/([^/]+)$/,
      methods: { GET: async ({ params }) => ({ body: breaker(decodeName(params[0]!)).snapshot() }) },
    },
    {
      pattern: /^\/circuit-breakers\/([^/]+)\/reset$/,
      methods: {
        POST: async ({ request, params }) => {
          const target = breaker(decodeName(params[0]!));
          await mutate(request);
          target.reset();
          return { body: target.snapshot() };
        },
      },
    },
    {
      pattern: /^\/retry-budgets$/,
      methods: { GET: async () => ({ body: registry.list('retryBudget').map(b => b.snapshot()) }) },
    },
    {
      pattern: /^\/recovery$/,
      methods: { GET: async () => ({ body: registry.list('recovery').map(r => r.snapshot()) }) },
    },
  ];

  return (request, response, next) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '') || '/';
    const matched = routes.find(r => r.pattern.test(path));
    if (matched === undefined) {
      if (next !== undefined) return next();
      request.resume();
      return sendError(response, new HttpError(404, 'not_found', `No route for ${path}`));
    }
    const route = matched.methods[request.method ?? 'GET'];
    if (route === undefined) {
      request.resume();
      const allow = Object.keys(matched.methods).join(', ');
      return sendError(response, new HttpError(405, 'method_not_allowed', `Use ${allow}`, { allow }));
    }
    const params = matched.pattern.exec(path)?.slice(1) ?? [];
    route({ request, params }).then(
      ({ status, body }) => sendJson(response, status ?? 200, body),
      (error: unknown) => {
        if (error instanceof HttpError) return sendError(response, error);
        diag.error('agent-resilience: monitoring API route failed', error);
        sendError(response, new HttpError(500, 'internal_error', 'Internal error'));
      },
    );
  };
}
