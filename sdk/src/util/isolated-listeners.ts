import type { EventEmitter, IDisposable } from 'cockatiel';
import { safely } from './safely.js';

/**
 * The `addListener` of `emitter`, with each listener run on its own: one that throws is reported through `diag`
 * (as `<what> listener`) and never keeps the later listeners from running (cockatiel's `emit` stops at the first
 * throw), nor changes the outcome of the call that emitted.
 */
export function isolatedListeners<T>(
  emitter: EventEmitter<T>,
  what: string,
): (listener: (data: T) => void) => IDisposable {
  return listener => emitter.addListener(data => safely(`${what} listener`, () => listener(data)));
}
