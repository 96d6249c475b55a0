import { scanned } from './bounded.js';
import { CLASSIFY_DEFAULTS } from './defaults.js';
import { parseGoDuration, parseTextDuration, TEXT_DURATION } from './duration.js';
import { classifierHeader } from './headers.js';

/** Where a Retry-After hint can come from. */
export interface RetryAfterSources {
  /** Response headers in any {@link HeaderSource} form. */
  readonly headers?: unknown;
  /** Message and body text to search for "try again in 20s". */
  readonly texts?: readonly string[];
}

const OPENAI_LIMITS = ['requests', 'tokens'] as const;
const ANTHROPIC_LIMITS = ['requests', 'tokens', 'input-tokens', 'output-tokens'] as const;

const TEXT_HINT = new RegExp(
  String.raw`\b(?:try(?:ing)?\s+again|retry(?:ing)?|wait)\s+(?:(?:in|after)\s+)(${TEXT_DURATION})`,
  'i',
);

/**
 * How long the server asked us to wait, in milliseconds, from the first source that has a valid value:
 * 1. `retry-after-ms` (float milliseconds);
 * 2. `retry-after` (delta seconds, possibly fractional, or an HTTP date relative to `now()`);
 * 3. OpenAI `x-ratelimit-reset-requests`/`-tokens` (Go durations such as "6m0s");
 * 4. Anthropic `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-reset` (RFC 3339 times);
 * 5. text: "try again in 20s", "Please try again in 1.5s", "retry after 30 seconds".
 * For 3 and 4 the reset of an exhausted limit (`*-remaining` = 0) wins; otherwise the largest reset.
 * Negative and invalid values are skipped, and so are header values longer than `CLASSIFY_DEFAULTS.maxHeaderLength`
 * and text past the first `CLASSIFY_DEFAULTS.maxScanLength` characters; the result is rounded up and clamped to
 * `capMs`. `x-should-retry` is not a delay and is not read here.
 *
 * @example
 * retryAfterMs({ headers: response.headers }); // 20_000 for `Retry-After: 20`
 */
export function retryAfterMs(
  sources: RetryAfterSources,
  now: () => number = Date.now,
  capMs: number = CLASSIFY_DEFAULTS.retryAfterCapMs,
): number | undefined {
  const ms =
    fromHeaders(sources.headers, now) ??
    (sources.texts ?? []).map(fromText).find(value => value !== undefined);
  return ms === undefined ? undefined : Math.min(Math.ceil(ms), capMs);
}

/** Sources 1-4 of {@link retryAfterMs}, unclamped. */
export function fromHeaders(headers: unknown, now: () => number): number | undefined {
  if (headers === undefined || headers === null) return undefined;
  return (
    nonNegative(parseNumber(classifierHeader(headers, 'retry-after-ms'))) ??
    fromRetryAfter(classifierHeader(headers, 'retry-after'), now) ??
    pickReset(
      OPENAI_LIMITS.map(limit => ({
        reset: parseGoDuration(classifierHeader(headers, `x-ratelimit-reset-${limit}`) ?? ''),
        remaining: classifierHeader(headers, `x-ratelimit-remaining-${limit}`),
      })),
    ) ??
    pickReset(
      ANTHROPIC_LIMITS.map(limit => ({
        reset: fromDate(classifierHeader(headers, `anthropic-ratelimit-${limit}-reset`), now),
        remaining: classifierHeader(headers, `anthropic-ratelimit-${limit}-remaining`),
      })),
    )
  );
}

/** Source 5 of {@link retryAfterMs}: the first "try again in …" hint in `text` (its scanned prefix), unclamped. */
export function fromText(text: string): number | undefined {
  const match = TEXT_HINT.exec(scanned(text));
  return match?.[1] === undefined ? undefined : nonNegative(parseTextDuration(match[1]));
}

function fromRetryAfter(value: string | undefined, now: () => number): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+(?:\.\d+)?$/.test(value)) return Number(value) * 1000;
  return fromDate(value, now);
}

function fromDate(value: string | undefined, now: () => number): number | undefined {
  if (value === undefined || /^[-+]?\d+(?:\.\d+)?$/.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : nonNegative(at - now());
}

function pickReset(limits: readonly { reset: number | undefined; remaining: string | undefined }[]) {
  const known = limits.filter(
    (l): l is { reset: number; remaining: string | undefined } => l.reset !== undefined,
  );
  const exhausted = known.filter(l => l.remaining !== undefined && Number(l.remaining) === 0);
  const candidates = (exhausted.length > 0 ? exhausted : known).map(l => l.reset);
  return candidates.length > 0 ? nonNegative(Math.max(...candidates)) : undefined;
}

/** A decimal number ("1500", "1500.5", ".5", "1e3"); the pattern has one way to match, so it fails in linear time. */
const DECIMAL = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i;

function parseNumber(value: string | undefined): number | undefined {
  if (value === undefined || !DECIMAL.test(value)) return undefined;
  return Number(value);
}

function nonNegative(ms: number | undefined): number | undefined {
  return ms !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}
