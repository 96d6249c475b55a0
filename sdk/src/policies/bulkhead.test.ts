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

  it('lets a queued call whose caller aborts leave the queue at once, keeping the others in order', async () => {
    const policy = createPolicy('b', { registry: null, bulkhead: { maxConcurrent: 1, maxQueue: 2 } });
    const first = deferred();
    const order: string[] = [];
    const running = policy.execute(() => first.promise);
    const controller = new AbortController();
    const leaving = policy
      .execute(async () => order.push('leaving'), { signal: controller.signal })
      .catch(e => e);
    const staying = policy.execute(async () => order.push('staying'));
    controller.abort();
    // Rejected while the first call still runs: it did not wait for a slot to notice its abort.
    expect(await leaving).toBeInstanceOf(CallCancelledError);
    // Its place is free again: a third caller is queued, not rejected.
    const third = policy.execute(async () => order.push('third'));
    first.resolve('done');
    await Promise.all([running, staying, third]);
    expect(order).toEqual(['staying', 'third']);
  });

  it('requires maxConcurrent', () => {
    expect(() => createPolicy('b', { bulkhead: {} as never })).toThrow(
      'Invalid options for createPolicy("b"): bulkhead.maxConcurrent must be an integer >= 1, got undefined',
    );
  });
});
