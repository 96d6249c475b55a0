import { getEventListeners } from 'node:events';
import { diag } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { captureDiagErrors } from '../test-support/diag.js';
import { onAbort } from './abort.js';

describe('onAbort (one listener per signal, however many subscribers)', () => {
  afterEach(() => {
    diag.disable();
  });

  it('puts one listener on the signal for many subscribers and removes it with the last one', () => {
    const c = new AbortController();
    const offs = Array.from({ length: 100 }, () => onAbort(c.signal, () => {}));
    expect(getEventListeners(c.signal, 'abort')).toHaveLength(1);
    for (const off of offs) off();
    expect(getEventListeners(c.signal, 'abort')).toHaveLength(0);
  });

  it('skips a subscriber an earlier one unsubscribed during the abort', () => {
    const c = new AbortController();
    const calls: string[] = [];
    let offB = () => {};
    onAbort(c.signal, () => {
      calls.push('A');
      offB();
    });
    offB = onAbort(c.signal, () => calls.push('B'));
    c.abort();
    expect(calls).toEqual(['A']);
  });

  it('reports a throwing subscriber and still runs the others', () => {
    const errors = captureDiagErrors();
    const c = new AbortController();
    const calls: string[] = [];
    onAbort(c.signal, () => {
      throw new Error('boom');
    });
    onAbort(c.signal, () => calls.push('B'));
    c.abort();
    expect(calls).toEqual(['B']);
    expect(errors.join(' ')).toContain('abort subscriber failed');
  });

  it('calls a subscriber of an aborted signal at once, without a listener', () => {
    const c = new AbortController();
    c.abort();
    let called = 0;
    onAbort(c.signal, () => called++);
    expect(called).toBe(1);
    expect(getEventListeners(c.signal, 'abort')).toHaveLength(0);
  });
});
