/**
 * A scenario as fast-check prints it: the normalized configuration and calls in one compact line each, so a shrunk
 * counterexample reads like a test case, e.g.
 * `retry(max=1 delay=10..40 maxRA=1000) breaker(1 open=100 probes=1/0) attempt=50 · #0 +0ms [503 · hang]`.
 */
import fc from 'fast-check';
import type { CallScript, FallbackStep, Outcome, PipelineConfig } from './pipeline-scenario.js';

/** A configuration with its calls, as one property run sees them. */
export interface Scenario {
  readonly mode: 'sequential' | 'concurrent';
  readonly config: PipelineConfig;
  readonly calls: readonly CallScript[];
}

const FAIL_503: Outcome = { kind: 'fail', failure: '503', retryAfterMs: undefined, latency: 0, sync: false };

/**
 * Makes a generated scenario runnable and prints it readably: one cache fallback at most (the stage shares one
 * store); a hang or stall needs something that ends it (a timeout, else, in a concurrent scenario, a caller abort;
 * a sequential scenario without timeouts fails with a 503 instead).
 */
export function toScenario(
  mode: Scenario['mode'],
  config: PipelineConfig,
  generated: readonly CallScript[],
): Scenario {
  const cache = config.fallback?.findIndex(step => step.kind === 'cache') ?? -1;
  const fallback = config.fallback?.filter((step, i) => step.kind !== 'cache' || i === cache);
  const bounded = config.attemptTimeoutMs !== undefined || config.totalTimeoutMs !== undefined;
  const hangs = (call: CallScript) => call.attempts.some(o => o.kind === 'hang' || o.kind === 'stall');
  const calls = generated.map((call): CallScript => {
    if (bounded || !hangs(call)) return call;
    if (mode === 'concurrent') {
      return call.abortAt === undefined
        ? { ...call, abortAt: { ms: call.atMs + 300, reason: 'error' } }
        : call;
    }
    return {
      ...call,
      attempts: call.attempts.map(o => (o.kind === 'hang' || o.kind === 'stall' ? FAIL_503 : o)),
    };
  });
  const scenario: Scenario = { mode, config: { ...config, fallback }, calls };
  return Object.assign(scenario, { [fc.toStringMethod]: () => scenarioText(scenario) });
}

export function outcomeText(o: Outcome): string {
  const after = (latency: number, sync: boolean) => (latency > 0 ? ` ${latency}ms` : sync ? ' sync' : '');
  switch (o.kind) {
    case 'ok':
      return `ok${after(o.latency, o.sync)}`;
    case 'fail':
      return `${o.failure}${o.retryAfterMs === undefined ? '' : `(ra=${o.retryAfterMs})`}${after(o.latency, o.sync)}`;
    case 'hang':
    case 'stall':
      return o.kind;
    case 'abort':
      return `caller-abort(${o.reason} ${o.timing}, then ${o.client})`;
  }
}

function callText(call: CallScript, i: number, mode: Scenario['mode']): string {
  const parts = [`#${i}`, mode === 'sequential' ? `+${call.atMs}ms` : `@${call.atMs}ms`];
  if (call.preAbort !== undefined) parts.push(`pre-aborted(${call.preAbort})`);
  if (call.abortAt !== undefined) parts.push(`abort@${call.abortAt.ms}ms(${call.abortAt.reason})`);
  if (call.abortOnRetry !== undefined) {
    parts.push(`abort-on-retry-${call.abortOnRetry.retry}(${call.abortOnRetry.reason})`);
  }
  if (call.cacheKey !== undefined) parts.push(`cacheKey=${call.cacheKey}`);
  if (call.rateLimitKey !== undefined) parts.push(`rateLimitKey=${call.rateLimitKey}`);
  parts.push(`[${call.attempts.map(outcomeText).join(' · ')}]`);
  return parts.join(' ');
}

function fallbackText(step: FallbackStep): string {
  const when = step.when === undefined ? '' : ` when ${step.when.join('|')}`;
  if (step.kind === 'factory') return `factory${step.throws ? '(throws)' : ''}${when}`;
  if (step.kind === 'cache') return `cache(ttl=${step.ttlMs} max=${step.maxEntries})${when}`;
  return `value${when}`;
}

/** The configuration in one line. */
export function configText(c: PipelineConfig): string {
  const parts: string[] = [];
  const r = c.retry;
  if (r !== undefined) {
    const b = r.budget;
    const budget =
      b === undefined
        ? ''
        : b.kind === 'token_bucket'
          ? ` budget=tokens(${b.maxTokens},+${b.tokenRatio})`
          : ` budget=window(${b.ratio},min=${b.minPerSecond}/s)`;
    parts.push(
      `retry(max=${r.maxRetries} delay=${r.initialDelayMs}..${r.maxDelayMs} maxRA=${r.maxRetryAfterMs}${budget})`,
    );
  }
  const br = c.breaker;
  if (br !== undefined) {
    const h = br.halfOpenAfterMs;
    const open = typeof h === 'number' ? `${h}` : `${h.initialDelayMs}x${h.multiplier}..${h.maxDelayMs}`;
    parts.push(`breaker(${br.threshold} open=${open} probes=${br.sampling.calls}/${br.sampling.threshold})`);
  }
  if (c.attemptTimeoutMs !== undefined) parts.push(`attempt=${c.attemptTimeoutMs}`);
  if (c.totalTimeoutMs !== undefined) parts.push(`total=${c.totalTimeoutMs}`);
  if (c.bulkhead !== undefined) parts.push(`bulkhead(${c.bulkhead.maxConcurrent} q=${c.bulkhead.maxQueue})`);
  const l = c.rateLimiter;
  if (l !== undefined) parts.push(`limiter(${l.kind} ${l.limit}/${l.intervalMs}ms wait=${l.maxWaitMs})`);
  const rec = c.recovery;
  if (rec !== undefined) {
    parts.push(
      `recovery(fail=${rec.failureThreshold} ok=${rec.successThreshold} degraded=${rec.degradedTrafficRatio} steps=${rec.steps.join(',')}/${rec.stepMs}ms)`,
    );
  }
  if (c.fallback !== undefined) parts.push(`fallback[${c.fallback.map(fallbackText).join(', ')}]`);
  if (c.listeners) parts.push('listeners');
  if (c.throwingHooks) parts.push('throwing-hooks');
  if (c.telemetry) parts.push('otel');
  parts.push(`seed=${c.seed}`);
  return parts.join(' ');
}

export function scenarioText(s: Scenario): string {
  return [`${s.mode}: ${configText(s.config)}`, ...s.calls.map((c, i) => `  ${callText(c, i, s.mode)}`)].join(
    '\n',
  );
}
