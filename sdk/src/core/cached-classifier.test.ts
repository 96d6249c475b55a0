import { describe, expect, it } from 'vitest';
import { classifyError } from '../classify/classifier.js';
import type { Classifier } from '../classify/types.js';
import { CallCancelledError } from '../errors/call-errors.js';
import { createPolicy } from '../pipeline/create-policy.js';
import { hangUntilAborted } from '../test-support/errors.js';
import { cachedClassifier } from './cached-classifier.js';

const SECRET = 'sk-proj-4f9a8b7c6d5e4f3a2b1c0d9e';

/** A custom classifier that copies the raw message and the raw error, as a user's might. */
const careless: Classifier = error => ({
  ...classifyError(error),
  message: (error as Error).message,
  userMessage: `Upstream said: ${(error as Error).message}`,
  cause: error,
});

describe('cachedClassifier', () => {
  it('classifies each error object once', () => {
    let calls = 0;
    const classify = cachedClassifier(error => {
      calls++;
      return classifyError(error);
    });
    const error = new Error('boom');
    expect(classify(error)).toBe(classify(error));
    expect(calls).toBe(1);
  });

  it('makes a custom classification as safe as a built-in one: redacted, cause kept but not enumerable', () => {
    const error = Object.assign(new Error(`401 {"x-api-key":"${SECRET}"}`), { status: 401 });
    const classified = cachedClassifier(careless)(error);
    expect(JSON.stringify(classified)).not.toContain(SECRET);
    expect(classified.userMessage).not.toContain(SECRET);
    expect(classified.cause).toBe(error);
  });

  it('keeps a custom classifier’s secret out of the final error, its JSON and its message', async () => {
    const policy = createPolicy('p', { registry: null, classifier: careless });
    const failure = await policy
      .execute(() => Promise.reject(Object.assign(new Error(`x-api-key: ${SECRET}`), { status: 400 })))
      .catch(e => e);
    expect(failure.message).not.toContain(SECRET);
    expect(JSON.stringify(failure)).not.toContain(SECRET);
    expect(failure.classified.cause).toBeInstanceOf(Error);
  });

  it('a cancellation’s classification keeps the abort reason out of JSON', async () => {
    const policy = createPolicy('p', { registry: null });
    const controller = new AbortController();
    const call = policy.execute(hangUntilAborted, { signal: controller.signal }).catch(e => e);
    controller.abort({ why: 'user left', token: SECRET });
    const failure = await call;
    expect(failure).toBeInstanceOf(CallCancelledError);
    expect(JSON.stringify(failure.classified)).not.toContain(SECRET);
    expect(failure.classified.cause).toBe(controller.signal.reason);
  });
});
