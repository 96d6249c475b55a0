import type { PolicyRegistry, RegisteredCircuitBreaker } from '../core/registry.js';
import { POLICY_NAME_PATTERN } from '../semconv.js';
import { healthSummary } from './health.js';
import { HttpError } from './http.js';

/**
 * Who may call a route: `public` anyone (health probes); `read` anyone unless `protectReads` is set, then the
 * token holder; `mutate` only the token holder, and nobody when no token is configured.
 */
export type RouteAccess = 'public' | 'read' | 'mutate';

/** What a route answers: a JSON body and its status (200 unless given). */
export interface RouteReply {
  readonly status?: number;
  readonly body: unknown;
}

/** One method on one path of the monitoring API. */
export interface Route {
  /** Matches the raw (percent-encoded) path without trailing slashes; groups are the path parameters. */
  readonly pattern: RegExp;
  readonly method: 'GET' | 'POST';
  readonly access: RouteAccess;
  /**
   * Answers from the decoded-on-demand path parameters and, for `POST`, the parsed JSON body (`undefined` when the
   * request sent none); throws an {@link HttpError} to refuse.
   */
  readonly answer: (params: readonly string[], body: unknown) => RouteReply;
}

/** Decodes and validates a name taken from the path. */
function decodeName(raw: string | undefined): string {
  let name: string;
  try {
    name = decodeURIComponent(raw ?? '');
  } catch {
    throw new HttpError(400, 'invalid_name', 'Malformed percent-encoding in the name');
  }
  if (!POLICY_NAME_PATTERN.test(name)) {
    throw new HttpError(400, 'invalid_name', 'Names are 1-64 characters from [A-Za-z0-9_.:-]');
  }
  return name;
}

/** The routes over `registry`, in the order they are documented. */
export function monitorRoutes(registry: PolicyRegistry): readonly Route[] {
  const breaker = (raw: string | undefined): RegisteredCircuitBreaker => {
    const name = decodeName(raw);
    const found = registry.get('circuitBreaker', name);
    if (found === undefined) throw new HttpError(404, 'not_found', `No circuit breaker named "${name}"`);
    return found;
  };
  return [
    {
      pattern: /^\/health$/,
      method: 'GET',
      access: 'public',
      answer: () => {
        const summary = healthSummary(registry);
        return { status: summary.status === 'unhealthy' ? 503 : 200, body: summary };
      },
    },
    {
      pattern: /^\/circuit-breakers$/,
      method: 'GET',
      access: 'read',
      answer: () => ({ body: registry.list('circuitBreaker').map(b => b.snapshot()) }),
    },
    {
      pattern: /^\/circuit-breakers\/([^/]+)$/,
      method: 'GET',
      access: 'read',
      answer: ([name]) => ({ body: breaker(name).snapshot() }),
    },
    {
      pattern: /^\/circuit-breakers\/([^/]+)\/reset$/,
      method: 'POST',
      access: 'mutate',
      answer: ([name]) => {
        const target = breaker(name);
        target.reset();
        return { body: target.snapshot() };
      },
    },
    {
      pattern: /^\/circuit-breakers\/reset-all$/,
      method: 'POST',
      access: 'mutate',
      answer: () => {
        const breakers = registry.list('circuitBreaker');
        for (const b of breakers) b.reset();
        return { body: { reset: breakers.map(b => b.name) } };
      },
    },
    {
      pattern: /^\/retry-budgets$/,
      method: 'GET',
      access: 'read',
      answer: () => ({ body: registry.list('retryBudget').map(b => b.snapshot()) }),
    },
    {
      pattern: /^\/recovery$/,
      method: 'GET',
      access: 'read',
      answer: () => ({ body: registry.list('recovery').map(r => r.snapshot()) }),
    },
  ];
}
