const GO_UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const GO_DURATION = /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const GO_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/**
 * Parses a Go `time.Duration` string, as OpenAI sends in `x-ratelimit-reset-*` ("6m0s", "1.5s", "20ms",
 * "1h2m3s"), into milliseconds. Returns `undefined` for anything else, including negative durations.
 */
export function parseGoDuration(text: string): number | undefined {
  const value = text.trim();
  if (value === '0') return 0;
  if (!GO_DURATION.test(value)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of value.matchAll(GO_PART))
    ms += Number(amount) * (GO_UNIT_MS[unit ?? ''] ?? 0);
  return Number.isFinite(ms) ? ms : undefined;
}

const WORD_UNIT_MS: readonly (readonly [RegExp, number])[] = [
  [/^(?:milliseconds?|msecs?|ms)$/i, 1],
  [/^(?:seconds?|secs?|s)$/i, 1000],
  [/^(?:minutes?|mins?|m)$/i, 60_000],
  [/^(?:hours?|hrs?|h)$/i, 3_600_000],
];

/** A duration as people and APIs write it in prose: a Go duration or a number and a unit ("30 seconds"). */
export const TEXT_DURATION = String.raw`(?:(?:\d+(?:\.\d+)?(?:ms|s|m|h))+|\d+(?:\.\d+)?\s*(?:milliseconds?|msecs?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h))\b`;

/** Parses a {@link TEXT_DURATION} ("20s", "1.5s", "6m0s", "500ms", "30 seconds", "2 minutes") into milliseconds. */
export function parseTextDuration(text: string): number | undefined {
  const compact = parseGoDuration(text.replace(/\s+/g, ''));
  if (compact !== undefined) return compact;
  const match = /^(\d+(?:\.\d+)?)\s*([A-Za-z]+)$/.exec(text.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  const factor = WORD_UNIT_MS.find(([pattern]) => pattern.test(unit ?? ''))?.[1];
  return factor === undefined ? undefined : Number(amount) * factor;
}
