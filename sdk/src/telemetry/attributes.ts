import type { Attributes } from '@opentelemetry/api';
import { ATTR_RESILIENCE_POLICY } from '../semconv.js';

const MAX_CACHED = 512;

/**
 * Frozen attribute sets of one policy, built once and reused on hot paths (the OTel SDK keeps the first
 * attribute object of a series as its key, so a reused object must never be mutated).
 */
export class AttributeCache {
  /** `{ [ATTR_RESILIENCE_POLICY]: name }`. */
  readonly base: Attributes;
  private readonly cache = new Map<string, Attributes>();

  constructor(readonly policy: string) {
    this.base = Object.freeze({ [ATTR_RESILIENCE_POLICY]: policy });
  }

  /**
   * The attribute set for `key`, built by `build` on first use. Bounded: past {@link MAX_CACHED} distinct keys
   * sets are built per call instead of cached.
   */
  get(key: string, build: () => Attributes): Attributes {
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const built = Object.freeze({ ...this.base, ...build() });
    if (this.cache.size < MAX_CACHED) this.cache.set(key, built);
    return built;
  }
}
