import { diag } from '@opentelemetry/api';
import { ERROR_TYPE_OTHER, type ErrorCategory } from '../semconv.js';
import { carriedClassification } from './adapters/cockatiel.js';
import { retryableFlag, shouldRetryHeader, unwrapRetryError } from './adapters/providers.js';
import { freezeClassification, isInjected } from './classification.js';
import { CLASSIFY_DEFAULTS } from './defaults.js';
import { deriveErrorType, sanitizeCode } from './error-type.js';
import { type ErrorFacts, isObject, readFacts } from './facts.js';
import type { Verdict } from './internal-types.js';
import { type ResolvedClassifierOptions, resolveClassifierOptions } from './options.js';
import { redact } from './redact.js';
import { retryAfterMs } from './retry-after.js';
import { builtInVerdict } from './rules.js';
import { CATEGORY_DEFAULTS } from './taxonomy.js';
import type { ClassifiedError, Classifier, ClassifierOptions } from './types.js';

interface Decision {
  readonly verdict: Verdict;
  /** The error whose facts decided: the thrown one, or a nested `cause`. */
  readonly facts: ErrorFacts;
}

const UNKNOWN: Verdict = Object.freeze({ category: 'unknown' });

/**
 * Builds a classifier: your `rules` first (first match wins), then the built-in rules, each tried on the thrown
 * error and then, while nothing precise is known, down its `cause` chain and `AggregateError.errors` (at most
 * 5 levels deep, cycle-safe). Invalid options throw a `TypeError`/`RangeError` here, never later.
 *
 * @example
 * const classify = createClassifier({
 *   rules: [
 *     { name: 'azure-filter', status: 400, code: 'content_filter', category: 'content_filtered' },
 *     { errorClass: ToolInputError, category: 'validation', userMessage: 'The tool input was invalid.' },
 *   ],
 *   defaults: { unknown: { retryable: false } },
 * });
 */
export function createClassifier(options?: ClassifierOptions): Classifier {
  return buildClassifier(resolveClassifierOptions(options), Date.now);
}

/** @internal {@link createClassifier} with an injectable clock (HTTP-date and RFC 3339 Retry-After values). */
export function buildClassifier(options: ResolvedClassifierOptions, now: () => number): Classifier {
  return (error: unknown): ClassifiedError => {
    try {
      return classify(error, options, now);
    } catch (failure) {
      diag.error('agent-resilience: error classification failed', failure);
      return fallback(error, options);
    }
  };
}

function classify(error: unknown, options: ResolvedClassifierOptions, now: () => number): ClassifiedError {
  const carried = carriedClassification(error);
  if (carried) return carried;
  let subject = error;
  for (let depth = 0; depth < CLASSIFY_DEFAULTS.maxCauseDepth; depth++) {
    const inner = unwrapRetryError(subject);
    if (inner === undefined) break;
    subject = inner;
  }
  const top = readFacts(subject);
  const decision = decide(top, 0, new Set([subject]), options);
  return finish(error, top, decision, options, now);
}

function decide(
  facts: ErrorFacts,
  depth: number,
  seen: Set<unknown>,
  options: ResolvedClassifierOptions,
): Decision {
  for (const rule of options.rules) {
    if (rule.matches(facts)) return { verdict: rule.verdict, facts };
  }
  const verdict = builtInVerdict(facts);
  if (verdict && !verdict.yieldTo) return { verdict, facts };
  if (depth < CLASSIFY_DEFAULTS.maxCauseDepth) {
    for (const child of facts.children) {
      if (isObject(child)) {
        if (seen.has(child)) continue;
        seen.add(child);
      }
      const nested = decide(readFacts(child), depth + 1, seen, options);
      if (accepts(verdict, nested.verdict.category)) return nested;
    }
  }
  return { verdict: verdict ?? UNKNOWN, facts };
}

/** Whether a nested error's category replaces this error's own verdict. */
function accepts(own: Verdict | undefined, nested: ErrorCategory): boolean {
  if (nested === 'unknown') return false;
  return own === undefined || (own.yieldTo?.includes(nested) ?? false);
}

function finish(
  error: unknown,
  top: ErrorFacts,
  { verdict, facts }: Decision,
  options: ResolvedClassifierOptions,
  now: () => number,
): ClassifiedError {
  const { category } = verdict;
  const defaults = options.defaults[category];
  const retryable =
    verdict.retryable ??
    shouldRetryHeader(facts.headers) ??
    shouldRetryHeader(top.headers) ??
    (category === 'unknown' ? retryableFlag(facts.value) : undefined) ??
    defaults.retryable;
  const delay =
    verdict.retryAfterMs === undefined
      ? (retryAfterMs(facts, now, options.retryAfterCapMs) ??
        (facts === top ? undefined : retryAfterMs(top, now, options.retryAfterCapMs)))
      : Math.min(Math.ceil(verdict.retryAfterMs), options.retryAfterCapMs);
  const statusCode = facts.status ?? top.status;
  const rawCode = facts.codes[0] ?? top.codes[0];
  const code = rawCode === undefined ? undefined : sanitizeCode(rawCode);
  const injected = isInjected(error) || isInjected(top.value) || isInjected(facts.value);
  return freezeClassification(
    {
      category,
      severity: verdict.severity ?? defaults.severity,
      retryable,
      ...(delay === undefined ? {} : { retryAfterMs: delay }),
      errorType: verdict.errorType ?? deriveErrorType(top, facts),
      ...(statusCode === undefined ? {} : { statusCode }),
      ...(code === undefined ? {} : { code }),
      message: redact(messageFor(top, facts)),
      userMessage: verdict.userMessage ?? defaults.userMessage,
      ...(injected ? { injected: true } : {}),
    },
    error,
  );
}

/** The thrown error's message, with the deciding nested error's message when it adds something. */
function messageFor(top: ErrorFacts, deciding: ErrorFacts): string {
  const outer = top.message.trim();
  const inner = deciding.message.trim();
  if (deciding === top || inner === '' || outer.includes(inner)) return outer || inner;
  return outer === '' ? inner : `${outer} (cause: ${inner})`;
}

function fallback(error: unknown, options: ResolvedClassifierOptions): ClassifiedError {
  const defaults = options.defaults?.unknown ?? CATEGORY_DEFAULTS.unknown;
  return freezeClassification(
    {
      category: 'unknown',
      severity: defaults.severity,
      retryable: defaults.retryable,
      errorType: ERROR_TYPE_OTHER,
      message: 'Unclassifiable error',
      userMessage: defaults.userMessage,
    },
    error,
  );
}

const defaultClassifier = buildClassifier(resolveClassifierOptions(), Date.now);

/**
 * The default classifier: the taxonomy of DESIGN.md §4 with the built-in rules. Pure (the same error gives the
 * same result, except that an HTTP-date Retry-After is relative to now) and never throws.
 *
 * @example
 * const c = classifyError(error);
 * if (c.retryable) await sleep(c.retryAfterMs ?? backoff());
 */
export function classifyError(error: unknown): ClassifiedError {
  return defaultClassifier(error);
}
