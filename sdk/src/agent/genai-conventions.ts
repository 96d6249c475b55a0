import { GEN_AI_LATEST_OPT_IN } from '../semconv.js';

/**
 * Whether an `OTEL_SEMCONV_STABILITY_OPT_IN` value (a comma-separated list, as the OpenTelemetry instrumentations
 * read it: entries trimmed, case ignored) asks for the newest GenAI names ({@link GEN_AI_LATEST_OPT_IN}).
 */
export function optsIntoLatestGenAi(value: string | undefined): boolean {
  if (value === undefined) return false;
  return value.split(',').some(entry => entry.trim().toLowerCase() === GEN_AI_LATEST_OPT_IN);
}

/**
 * Whether model calls report the newest GenAI inference names (inference duration and usage counters) instead of
 * the operation duration. Read once, when the SDK is loaded, like the OpenTelemetry instrumentations: set the
 * variable before the process starts.
 */
export const GEN_AI_LATEST: boolean = optsIntoLatestGenAi(
  typeof process === 'undefined' ? undefined : process.env.OTEL_SEMCONV_STABILITY_OPT_IN,
);
