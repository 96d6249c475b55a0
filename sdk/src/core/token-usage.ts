import {
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_RESILIENCE_TOKEN_KIND,
  type GenAiTokenType,
  type METRIC_TOKENS,
  type TokenKind,
} from '../semconv.js';
import { safely } from '../util/safely.js';
import type { CallContext } from './call-context.js';
import type { TokenUsage } from './stream-options.js';

/** Folds usage reports into one: providers report cumulative counts, so the largest report of each kind wins. */
export class UsageTally {
  inputTokens = 0;
  outputTokens = 0;

  /** Folds in one report; anything but an object with finite counts (null, a hostile getter) is ignored. */
  add(usage: TokenUsage | undefined): void {
    if (typeof usage !== 'object' || usage === null) return;
    let input: unknown;
    let output: unknown;
    try {
      input = usage.inputTokens;
      output = usage.outputTokens;
    } catch {
      return;
    }
    if (typeof input === 'number' && Number.isFinite(input) && input > this.inputTokens)
      this.inputTokens = input;
    if (typeof output === 'number' && Number.isFinite(output) && output > this.outputTokens)
      this.outputTokens = output;
  }
}

/**
 * Counts a call's tokens in {@link METRIC_TOKENS}: `served` for the answer the user got, `wasted` for attempts
 * that failed, broke or were replaced. No-op without a metrics SDK or without tokens.
 */
export function recordTokens(call: CallContext, kind: TokenKind, usage: TokenUsage | undefined): void {
  if (usage === undefined || !call.telemetry.metricsEnabled) return;
  safely('recording tokens', () => {
    const add = (type: GenAiTokenType, count: number | undefined): void => {
      if (typeof count !== 'number' || !(count > 0)) return;
      call.telemetry.instruments.tokens.add(
        Math.round(count),
        call.runtime.attributes.get(`tok|${kind}|${type}`, () => ({
          [ATTR_RESILIENCE_TOKEN_KIND]: kind,
          [ATTR_GEN_AI_TOKEN_TYPE]: type,
        })),
      );
    };
    add('input', usage.inputTokens);
    add('output', usage.outputTokens);
  });
}

/** The usage `usageOf` reads from a value; a throwing reader is reported and counts as none. */
export function usageOfValue(call: CallContext, value: unknown): TokenUsage | undefined {
  const read = call.usageOf;
  if (read === undefined) return undefined;
  let usage: TokenUsage | undefined;
  safely('reading token usage', () => {
    usage = read(value);
  });
  return usage;
}
