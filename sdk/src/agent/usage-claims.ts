import type { TokenUsage } from '../core/stream-options.js';
import { readUsage } from './genai-attributes.js';

/** The model call that first read the usage of each result or chunk object. */
const claimedBy = new WeakMap<object, object>();

/**
 * A reader of token usage for one model call: the first call to read usage from an object (a result, or a stream
 * chunk) owns it, and every other call reads none from it. A served answer is thus reported once even when it
 * passes through several calls: a second-model fallback returns the backup call's result (or stream) to the
 * failed primary call, and a `cache` fallback serves an earlier call's result again (it spent no tokens). The
 * owning call may read it any number of times. (Usage read from a primitive cannot be claimed: it is returned.)
 * @param read How usage is read from an object. @default readUsage (a model client's result)
 */
export function usageReader(
  read: (value: unknown) => TokenUsage | undefined = readUsage,
): (value: unknown) => TokenUsage | undefined {
  const call = {};
  return value => {
    const usage = read(value);
    if (usage === undefined || typeof value !== 'object' || value === null) return usage;
    const owner = claimedBy.get(value as object);
    if (owner === undefined) claimedBy.set(value as object, call);
    else if (owner !== call) return undefined;
    return usage;
  };
}
