import type { IDisposable } from 'cockatiel';
import type { CircuitStateName } from '../semconv.js';
import type { CircuitBreaker } from './circuit-breaker.js';

/**
 * The place of one breaker in a hierarchy (a provider's breaker with its models' breakers as children): its
 * parent, its children and, with `isolateChildren`, the isolation handles it holds on them while it is open.
 * Children are released when the parent half-opens, so the probe can reach a child.
 */
export class BreakerFamily {
  private readonly children = new Set<CircuitBreaker>();
  private readonly holds = new Map<CircuitBreaker, IDisposable>();
  private open = false;

  constructor(
    private readonly self: CircuitBreaker,
    /** The parent breaker; cleared when either of the two is disposed. */
    public parent: CircuitBreaker | undefined,
    private readonly isolateChildren: boolean,
  ) {}

  /** Joins the parent (once the breaker is fully built: an open parent may isolate it at once). */
  attach(): void {
    this.parent?.family.adopt(this.self);
  }

  /** Names of the direct children. */
  childNames(): string[] {
    return [...this.children].map(child => child.name).sort();
  }

  private adopt(child: CircuitBreaker): void {
    this.children.add(child);
    if (this.open) this.hold(child);
  }

  private leave(child: CircuitBreaker): void {
    this.children.delete(child);
    this.holds.get(child)?.dispose();
    this.holds.delete(child);
  }

  private hold(child: CircuitBreaker): void {
    // A hold on this replica only: with shared breakers, each replica derives its own from the parent's state.
    if (this.isolateChildren && !this.holds.has(child)) this.holds.set(child, child.isolateLocally());
  }

  /** Called on every state change of the breaker: propagates an open state downwards when asked to. */
  onTransition(to: CircuitStateName): void {
    this.open = to === 'open' || to === 'isolated';
    if (this.open) {
      for (const child of this.children) this.hold(child);
      return;
    }
    for (const handle of this.holds.values()) handle.dispose();
    this.holds.clear();
  }

  /**
   * Detaches from the parent and releases the children; the children leave this breaker out of their lineage (a
   * disposed breaker, gone from the registry and the monitoring API, must not keep rejecting them).
   */
  dispose(): void {
    this.parent?.family.leave(this.self);
    this.parent = undefined;
    for (const handle of this.holds.values()) handle.dispose();
    this.holds.clear();
    for (const child of this.children) child.family.parent = undefined;
    this.children.clear();
  }
}
