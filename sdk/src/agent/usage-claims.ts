import type { TokenUsage } from '../core/stream-options.js';
import { readUsage } from './genai-attributes.js';

/** The model call that first read the usage of each result object. */
const claimedBy = new WeakMap<object, object>();

/**
 * A reader of token usage for one model call: the first call to read a result object owns its usage, and every
 * other call reads none from it. A served answer is thus reported once even when it passes through several calls:
 * a second-model fallback returns the backup call's result to the failed primary call, and a `cache` fallback
 * serves an earlier call's result again (it spent no tokens). The owning call may read it any number of times.
 */
export function usageReader(): (result: unknown) => TokenUsage | undefined {
  const call = {};
  return result => {
    const usage = readUsage(result);
    if (usage === undefined) return undefined;
    const owner = claimedBy.get(result as object);
    if (owner === undefined) claimedBy.set(result as object, call);
    else if (owner !== call) return undefined;
    return usage;
  };
}
