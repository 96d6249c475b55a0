import { describe, expect, it } from 'vitest';
import { CallCancelledError, CallRejectedError } from '../errors/call-errors.js';
import { createPolicy } from '../pipeline/create-policy.js';

const deferred = () => {
  let resolve!: (v: string) => void;
  const promise = new Promise<string>(r => {
    resolve = r;
  });
  return { promise, resolve };
};

describe('bulkhead', () => {
  it('runs up to maxConcurrent, queues up to maxQueue and rejects the rest as rejected', async () => {
    const policy = createPolicy('b', { registry: null, bulkhead: { maxConcurrent: 1, maxQueue: 1 } });
    const first = deferred();
    const running = policy.execute(() => first.promise);
    const queued = policy.execute(async () => 'queued');
    const rejected = await policy.execute(async () => 'never').catch(e => e);
    expect(rejected).toBeInstanceOf(CallRejectedError);
    expect(rejected).toMatchObject({ strategy: 'bulkhead', attempts: 0 });
    expect(rejected.classified.category).toBe('rejected');
    first.resolve('first');
    await expect(running).resolves.toBe('first');
    await expect(queued).resolves.toBe('queued');
  });

  it('lets a queued call whose caller aborts leave the queue at once', async () => {
    const policy = createPolicy('b', { registry: null, bulkhead: { maxConcurrent: 1, maxQueue: 5 } });
    const first = deferred();
    const running = policy.execute(() => first.promise);
    const controller = new AbortController();
    const queued = policy.execute(async () => 'never', { signal: controller.signal }).catch(e => e);
    controller.abort();
    expect(await queued).toBeInstanceOf(CallCancelledError);
    first.resolve('done');
    await running;
  });

  it('requires maxConcurrent', () => {
    expect(() => createPolicy('b', { bulkhead: {} as never })).toThrow(
      'Invalid options for createPolicy("b"): bulkhead.maxConcurrent must be an integer >= 1, got undefined',
    );
  });
});
