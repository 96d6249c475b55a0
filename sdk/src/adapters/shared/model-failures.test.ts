import { describe, expect, it } from 'vitest';
import { classifyError } from '../../classify/classifier.js';
import { RetriesExhaustedError } from '../../errors/call-errors.js';
import { httpError } from '../../test-support/errors.js';
import { ModelFailures, mappingErrors } from './model-failures.js';

const exhausted = (policy: string, status: number, attempts = 1) =>
  new RetriesExhaustedError(
    { policy, classified: classifyError(httpError(status)), attempts },
    'max_attempts',
  );

describe('ModelFailures', () => {
  it("gives back the last model policy's error for a chain error that wraps any of them", () => {
    const failures = new ModelFailures();
    const primary = exhausted('chat.a.x', 503, 3);
    const backup = exhausted('chat.b.y', 500, 2);
    expect(failures.keep(primary)).toBe(primary);
    failures.keep(backup);
    // The chain rejects with a wrapper of the primary's failure (the fallback stage's original error).
    const wrapper = new RetriesExhaustedError(
      { policy: 'chat', classified: primary.classified, attempts: 1 },
      'max_attempts',
    );
    expect(failures.original(wrapper)).toBe(backup);
  });

  it('leaves any other error as it is', () => {
    const failures = new ModelFailures();
    const own = exhausted('chat', 503);
    expect(failures.original(own)).toBe(own); // nothing kept: no model ran
    failures.keep(exhausted('chat.a.x', 500));
    failures.keep(new Error('not a final error'));
    expect(failures.original(own)).toBe(own); // another classification
    const plain = new Error('boom');
    expect(failures.original(plain)).toBe(plain);
  });
});

describe('mappingErrors', () => {
  it('passes the chunks on, maps the error that ends the stream, and forwards return()', async () => {
    let closed = false;
    async function* source() {
      try {
        yield 1;
        yield 2;
        throw new Error('inner');
      } finally {
        closed = true;
      }
    }
    const read: number[] = [];
    const mapped = mappingErrors(source(), error => new Error(`mapped ${(error as Error).message}`));
    await expect(
      (async () => {
        for await (const n of mapped) read.push(n);
      })(),
    ).rejects.toThrow('mapped inner');
    expect(read).toEqual([1, 2]);

    closed = false;
    for await (const _ of mappingErrors(source(), error => error)) break;
    expect(closed).toBe(true);
  });
});
