import { byResilienceSignal } from './adapters/cockatiel.js';
import { categoryOfStatus } from './adapters/http.js';
import {
  byErrorName,
  byFetchFailure,
  byNetworkText,
  byProgrammingError,
  bySystemCode,
} from './adapters/node-errors.js';
import { byGenericCode, byMessage, byProviderClass, bySpecificCode } from './adapters/providers.js';
import type { ErrorFacts } from './facts.js';
import { REFINABLE, type Verdict } from './internal-types.js';

/** One built-in rule: what an error's own facts say, or `undefined` to let the next rule look. */
export type BuiltInRule = (facts: ErrorFacts) => Verdict | undefined;

/** The HTTP status (from a field, the body, or the message) → category; see `categoryOfStatus`. */
const byStatus: BuiltInRule = facts => {
  const category = facts.status === undefined ? undefined : categoryOfStatus(facts.status);
  return category === undefined ? undefined : { category };
};

/**
 * Verdicts read from prose (a message, not a field) are weak: a nested error with a status, code or telling
 * class refines them (`Error("LLM call failed: rate limited", { cause: rateLimitError })` takes the cause's
 * Retry-After).
 */
const fromText =
  (rule: BuiltInRule): BuiltInRule =>
  facts => {
    const verdict = rule(facts);
    return verdict && facts.fieldStatus === undefined && !verdict.yieldTo
      ? { ...verdict, yieldTo: REFINABLE }
      : verdict;
  };

/**
 * The built-in rules, in order; the first verdict wins. The order encodes which evidence is the most precise:
 * 1. our own and cockatiel's signal errors;
 * 2. timeout and cancellation by name (`DOMException` `TimeoutError`/`AbortError`, undici timeouts);
 * 3. Node.js/undici system codes (`ECONNRESET`, `ETIMEDOUT`, `UND_ERR_CONNECT_TIMEOUT`);
 * 4. provider codes more specific than a status (`insufficient_quota`, `context_length_exceeded`, `content_filter`);
 * 5. `TypeError: fetch failed` and 6. language errors (`TypeError`, `ReferenceError`…), both refined by their cause;
 * 7. message patterns that refine a status (429 "quota", 503 "overloaded", 400 "prompt is too long");
 * 8. the HTTP status; 9. SDK class names (`APIConnectionError`, `RateLimitError` without a status);
 * 10. generic provider codes when there is no status; 11. "timed out"/"socket hang up" in the message.
 */
export const BUILT_IN_RULES: readonly BuiltInRule[] = [
  byResilienceSignal,
  byErrorName,
  bySystemCode,
  bySpecificCode,
  byFetchFailure,
  byProgrammingError,
  fromText(byMessage),
  fromText(byStatus),
  byProviderClass,
  byGenericCode,
  fromText(byNetworkText),
];

/** Runs {@link BUILT_IN_RULES} on one error's facts. */
export function builtInVerdict(facts: ErrorFacts): Verdict | undefined {
  for (const rule of BUILT_IN_RULES) {
    const verdict = rule(facts);
    if (verdict) return verdict;
  }
  return undefined;
}
