/**
 * A Map bounded to `max` entries that evicts the least recently used one (a `get` or `set` counts as a use).
 * Relies on Map's insertion order: a use moves the key to the end, eviction takes the first.
 */
export class LruMap<V> {
  private readonly map = new Map<string, V>();
  /** Entries evicted since creation. */
  evictions = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.map.size;
  }

  /** The value for `key`, marking it most recently used. */
  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined && this.map.size > 1) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  /** Stores `value` as the most recently used entry, evicting the least recently used beyond `max`. */
  set(key: string, value: V): V {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (!oldest.done) {
        this.map.delete(oldest.value);
        this.evictions++;
      }
    }
    return value;
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }
}
