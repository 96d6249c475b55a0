import { diag } from '@opentelemetry/api';
import { MAX_TIMER_MS } from './timers.js';

/**
 * A signal that never aborts. It is only ever a sentinel for "the caller gave no signal": it is never handed to
 * user code (a client adding a listener per request to one process-wide signal would leak them) and we never add
 * listeners to it.
 */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

const noop = (): void => {};

/** Our one listener on a signal and the callbacks it fans out to. */
interface Hub {
  readonly listener: () => void;
  readonly subscribers: Set<() => void>;
}

/**
 * Subscribers per signal. However many calls share a caller's signal, it carries at most ONE listener of ours:
 * the first subscription adds it, the last unsubscription removes it (1,000 calls in flight on one signal would
 * otherwise add 1,000-3,000 listeners and trip Node's MaxListenersExceededWarning).
 */
const hubs = new WeakMap<AbortSignal, Hub>();

/**
 * Calls `callback` once when `signal` aborts (at once if it already has). Returns the function that cancels the
 * subscription; call it when the work settles so nothing stays attached to a long-lived signal. Costs nothing
 * for {@link NEVER_ABORTED}.
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  if (signal === NEVER_ABORTED) return noop;
  if (signal.aborted) {
    callback();
    return noop;
  }
  let hub = hubs.get(signal);
  if (hub === undefined) {
    const subscribers = new Set<() => void>();
    const listener = (): void => {
      hubs.delete(signal);
      // The live set: a subscriber unsubscribed by an earlier one during this fire is skipped; one that throws
      // is reported and does not keep the others from running.
      for (const subscriber of subscribers) {
        subscribers.delete(subscriber);
        try {
          subscriber();
        } catch (error) {
          diag.error('agent-resilience: an abort subscriber failed', error);
        }
      }
    };
    hub = { listener, subscribers };
    hubs.set(signal, hub);
    signal.addEventListener('abort', listener, { once: true });
  }
  // A wrapper per subscription, so the same callback may subscribe twice and each unsubscription is exact.
  const entry = (): void => callback();
  const { subscribers, listener } = hub;
  subscribers.add(entry);
  return () => {
    if (!subscribers.delete(entry) || subscribers.size > 0) return;
    signal.removeEventListener('abort', listener);
    if (hubs.get(signal)?.subscribers === subscribers) hubs.delete(signal);
  };
}

/**
 * Makes `controller` abort (with the same reason) when `parent` does. Returns a function that removes the link;
 * costs nothing when the parent can never abort.
 */
export function linkAbort(parent: AbortSignal, controller: AbortController): () => void {
  return onAbort(parent, () => controller.abort(parent.reason));
}

/**
 * Waits `ms` milliseconds (clamped to the largest timer delay), or rejects with `signal.reason` as soon as
 * `signal` aborts (cockatiel's retry delay ignores abort; this one does not). A wait of 0 or less settles without
 * a timer.
 */
export function sleep(ms: number, signal: AbortSignal = NEVER_ABORTED): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (!(ms > 0)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => {
        unsubscribe();
        resolve();
      },
      Math.min(ms, MAX_TIMER_MS),
    );
    const unsubscribe = onAbort(signal, () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

/**
 * Settles like `promise`, or rejects with `signal.reason` as soon as `signal` aborts. A late rejection of
 * `promise` is handled (never unhandled).
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal === NEVER_ABORTED) return promise;
  if (signal.aborted) {
    promise.catch(noop);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const unsubscribe = onAbort(signal, () => reject(signal.reason));
    promise.then(
      value => {
        unsubscribe();
        resolve(value);
      },
      error => {
        unsubscribe();
        reject(error);
      },
    );
  });
}
