import { ERROR_TYPE_OTHER } from '../semconv.js';

/**
 * Most distinct `error.type` values metrics carry. Codes that look like identifiers (`E_TOOL_1` … `E_TOOL_300`)
 * would each become a time series; past this many, new values are reported as `_OTHER`. Spans keep the real
 * value (they are not aggregated).
 */
export const MAX_METRIC_ERROR_TYPES = 100;

/** Admits the first `limit` distinct values; any later new value becomes `_OTHER`. */
export class BoundedValues {
  private readonly seen = new Set<string>();

  constructor(private readonly limit: number) {}

  /** `value` if admitted (now or before), else `_OTHER`. */
  get(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.limit) return ERROR_TYPE_OTHER;
    this.seen.add(value);
    return value;
  }
}

const metricErrorTypes = new BoundedValues(MAX_METRIC_ERROR_TYPES);

/**
 * The `error.type` to put on a metric: `type` itself if it is one of the first {@link MAX_METRIC_ERROR_TYPES}
 * distinct values this process reported, else `_OTHER`.
 */
export function boundedErrorType(type: string): string {
  return metricErrorTypes.get(type);
}
