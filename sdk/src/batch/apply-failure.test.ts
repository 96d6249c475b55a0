import { describe, expect, it } from 'vitest';
import { classifyError } from '../classify/classifier.js';
import { httpError } from '../test-support/errors.js';
import { classifyFailure } from './apply-failure.js';
import { BatchStoreError } from './errors.js';

const SECRET = 'sk-proj-4f9a8b7c6d5e4f3a2b1c0d9e';

describe('classifyFailure (batch)', () => {
  it('keeps the original error as cause, not enumerable', () => {
    const error = httpError(503);
    const classified = classifyFailure(classifyError, error);
    expect(classified.cause).toBe(error);
    expect(Object.keys(classified)).not.toContain('cause');
  });

  it('redacts what a custom classifier copied from the error', () => {
    const error = new Error(`x-api-key: ${SECRET}`);
    const classified = classifyFailure(e => ({ ...classifyError(e), message: (e as Error).message }), error);
    expect(JSON.stringify(classified)).not.toContain(SECRET);
    expect(classified.cause).toBe(error);
  });

  it('a failure after the caller aborted is cancelled, and its JSON never shows the raw error', () => {
    const controller = new AbortController();
    controller.abort();
    const error = { detail: 'client gave up', token: SECRET };
    const classified = classifyFailure(classifyError, error, controller.signal);
    expect(classified.category).toBe('cancelled');
    expect(JSON.stringify(classified)).not.toContain(SECRET);
    expect(classified.cause).toBe(error);
  });
});

describe('BatchStoreError', () => {
  it('shows only the redacted text of a store error (a connection string may carry a password)', () => {
    const error = new BatchStoreError(
      'b1',
      new Error('connect redis://admin:hunter2-secret@10.0.0.5:6379 failed'),
    );
    expect(error.message).not.toContain('hunter2-secret');
    expect(error.message).toContain('Batch "b1" stopped');
  });
});
