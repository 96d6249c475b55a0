import type { IncomingMessage, ServerResponse } from 'node:http';
import { defaultRegistry, PolicyRegistry } from '../core/registry.js';
import { MAX_TIMER_MS } from '../util/timers.js';
import { OptionsValidator } from '../util/validate.js';
import { authorize, TOKEN_PATTERN } from './auth.js';
import { type ChaosControl, chaosRoutes } from './chaos-routes.js';
import { HttpError, reportFailure, sendError, sendJson } from './http.js';
import { type BodyLimits, readJsonBody } from './request-body.js';
import { parseRequestTarget } from './request-target.js';
import { monitorRoutes, type Route, type RouteReply } from './routes.js';

/** Options of {@link createMonitorHandler}. */
export interface MonitorOptions {
  /** Registry to report on. @default defaultRegistry */
  readonly registry?: PolicyRegistry;
  /**
   * Bearer token (16-1024 visible ASCII characters) required by the mutating routes. Without one they answer
   * 403: nothing can enable them without a token. @default undefined
   */
  readonly token?: string;
  /** Require the token on every route but `GET /health` (needs `token`). @default false */
  readonly protectReads?: boolean;
  /** Largest accepted request body, in bytes; larger is 413. @default 16384 */
  readonly maxBodyBytes?: number;
  /** Longest wait for a request body to end, in ms; slower is 408. @default 10000 */
  readonly bodyTimeoutMs?: number;
  /**
   * Chaos controller (`createChaos()`) to show on `GET /chaos` and configure on `POST /chaos` (a mutating route:
   * token required). Without one, `/chaos` answers 404. @default undefined
   */
  readonly chaos?: ChaosControl;
}

/** Defaults of {@link MonitorOptions}. */
export const MONITOR_DEFAULTS = Object.freeze({
  maxBodyBytes: 16_384,
  bodyTimeoutMs: 10_000,
  protectReads: false,
});

/** The option names {@link createMonitorHandler} takes. */
export const MONITOR_OPTION_KEYS = [
  'registry',
  'token',
  'protectReads',
  'maxBodyBytes',
  'bodyTimeoutMs',
  'chaos',
] as const;

/**
 * A `node:http` request listener. With `next` (Express, Connect) it serves only its own paths and calls `next()`
 * for every other request. It never throws and never rejects: every request gets an answer.
 */
export type MonitorHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/** Checks the {@link MonitorOptions} fields of `o` into `v` (shared with `startMonitorServer`). */
export function checkMonitorOptions(v: OptionsValidator, o: Record<string, unknown>): void {
  if (o.registry !== undefined && !(o.registry instanceof PolicyRegistry)) {
    v.fail('registry', 'a PolicyRegistry', o.registry, true);
  }
  if (o.token !== undefined && (typeof o.token !== 'string' || !TOKEN_PATTERN.test(o.token))) {
    const shown = typeof o.token === 'string' ? `(hidden, ${o.token.length} characters)` : o.token;
    v.fail('token', 'a string of 16-1024 visible ASCII characters', shown, typeof o.token !== 'string');
  }
  if (v.boolean('protectReads', o.protectReads) && o.protectReads === true && o.token === undefined) {
    v.fail('token', 'set when protectReads is true', o.token);
  }
  v.number('maxBodyBytes', o.maxBodyBytes, { min: 0, max: 1_048_576, integer: true });
  v.number('bodyTimeoutMs', o.bodyTimeoutMs, { min: 1, max: MAX_TIMER_MS, integer: true });
  if (o.chaos !== undefined && !isChaosControl(o.chaos)) {
    v.fail('chaos', 'a chaos controller (createChaos()) with configure() and state()', o.chaos, true);
  }
}

function isChaosControl(value: unknown): value is ChaosControl {
  const c = value as Partial<Record<keyof ChaosControl, unknown>> | null;
  return (
    typeof c === 'object' && c !== null && typeof c.configure === 'function' && typeof c.state === 'function'
  );
}

const NOT_FOUND = new HttpError(
  404,
  'not_found',
  'No such route; this API serves /health, /circuit-breakers, /retry-budgets, /recovery and /chaos',
);

function methodNotAllowed(routes: readonly Route[]): HttpError {
  const methods = new Set(routes.flatMap(r => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method])));
  const allow = [...methods].sort().join(', ');
  return new HttpError(405, 'method_not_allowed', `Use ${allow}`, { allow });
}

/** RFC 9112 §3.2: an HTTP/1.1 request without `Host` is a 400 (node:http checks it too, unless told not to). */
function hostError(request: IncomingMessage): HttpError | undefined {
  if (request.httpVersion !== '1.1' || request.headers.host !== undefined) return undefined;
  return new HttpError(400, 'missing_host', 'An HTTP/1.1 request needs a Host header');
}

/** Answers a refusal or a failure; never throws (not even when a diag logger does). */
function answerFailure(response: ServerResponse, error: unknown): void {
  if (error instanceof HttpError) {
    sendError(response, error);
    return;
  }
  reportFailure('route failed', error);
  sendError(response, new HttpError(500, 'internal_error', 'Internal error'));
}

/**
 * The monitoring HTTP API over a policy registry: health summary, circuit breakers (with manual reset), retry
 * budgets, recovery managers and chaos injection (shown, and switched with the token), as JSON. Serve it with
 * {@link startMonitorServer} (timeouts and limits set, bound to 127.0.0.1), or mount it in Express
 * (`app.use('/resilience', handler)`).
 *
 * Routes: `GET /health`, `GET /circuit-breakers`, `GET /circuit-breakers/:name`,
 * `POST /circuit-breakers/:name/reset`, `POST /circuit-breakers/reset-all`, `GET /retry-budgets`, `GET /recovery`,
 * `GET /chaos`, `POST /chaos` (`HEAD` wherever `GET` is). A malformed request is answered 400 (414 for a target
 * over 2048 characters), an unknown path 404, a wrong method 405 with `Allow`; mutating routes need
 * `Authorization: Bearer <token>`.
 */
export function createMonitorHandler(options: MonitorOptions = {}): MonitorHandler {
  const v = new OptionsValidator('createMonitorHandler');
  checkMonitorOptions(v, v.object('options', options, MONITOR_OPTION_KEYS));
  v.done();
  const { token } = options;
  const protectReads = options.protectReads ?? MONITOR_DEFAULTS.protectReads;
  const limits: BodyLimits = {
    maxBytes: options.maxBodyBytes ?? MONITOR_DEFAULTS.maxBodyBytes,
    timeoutMs: options.bodyTimeoutMs ?? MONITOR_DEFAULTS.bodyTimeoutMs,
  };
  const routes = [...monitorRoutes(options.registry ?? defaultRegistry), ...chaosRoutes(options.chaos)];

  const serve = async (request: IncomingMessage, route: Route, params: string[]): Promise<RouteReply> => {
    if (route.access === 'mutate' || (route.access === 'read' && protectReads)) authorize(request, token);
    // Every POST body is read (bounded in size and time, JSON only), also where the route ignores it.
    const body = route.method === 'POST' ? await readJsonBody(request, limits) : undefined;
    return route.answer(params, body);
  };

  /** Answers the request, or returns false (having done nothing) when it is not for this API and `canPass`. */
  const dispatch = (request: IncomingMessage, response: ServerResponse, canPass: boolean): boolean => {
    const { path, error = hostError(request) } = parseRequestTarget(request.url);
    const matches = path === undefined ? [] : routes.filter(r => r.pattern.test(path));
    if (matches.length === 0 && canPass) return false;
    if (error !== undefined) sendError(response, error);
    else if (matches.length === 0 || path === undefined) sendError(response, NOT_FOUND);
    else {
      const method = request.method === 'HEAD' ? 'GET' : request.method;
      const route = matches.find(r => r.method === method);
      if (route === undefined) sendError(response, methodNotAllowed(matches));
      else {
        serve(request, route, route.pattern.exec(path)?.slice(1) ?? []).then(
          ({ status, body }) => sendJson(response, status ?? 200, body),
          (failure: unknown) => answerFailure(response, failure),
        );
      }
    }
    return true;
  };

  return (request, response, next) => {
    let handled = true;
    try {
      handled = dispatch(request, response, next !== undefined);
    } catch (failure) {
      answerFailure(response, failure);
    }
    if (!handled) next?.();
  };
}
