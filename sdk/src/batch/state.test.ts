import { describe, expect, it } from 'vitest';
import { checkBatchState, createBatchState, parseBatchState, summarizeBatchState } from './state.js';

const fresh = () => createBatchState('b1', 'name', '2024-06-01T00:00:00.000Z');

describe('batch state', () => {
  it('round-trips through JSON', () => {
    const state = fresh();
    state.items['doc-1'] = {
      status: 'retrying',
      attempts: 1,
      retries: 1,
      updatedAt: 'now',
      lastReason: 'under_retry_limit',
      retryAt: '2024-06-01T00:00:01.000Z',
    };
    const check = parseBatchState(JSON.stringify(state), 'b1');
    expect(check.ok && check.state).toEqual(state);
  });

  it('keeps item ids such as __proto__ as plain keys', () => {
    const check = parseBatchState(
      '{"version":1,"batchId":"b1","name":"n","createdAt":"t","updatedAt":"t","revision":1,"status":"running","totalAttempts":1,"totalRetries":0,"consecutiveFailures":0,"breakerTrips":0,"items":{"__proto__":{"status":"succeeded","attempts":1,"retries":0,"updatedAt":"t"}}}',
      'b1',
    );
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(Object.getPrototypeOf(check.state.items)).toBeNull();
    expect(Object.keys(check.state.items)).toEqual(['__proto__']);
    expect(summarizeBatchState(check.state).items.succeeded).toBe(1);
  });

  it.each([
    ['{"version":1', 'not valid JSON'],
    ['', 'not valid JSON'],
    ['[]', 'not a JSON object'],
    ['{"version":0}', 'unknown format version 0'],
    [JSON.stringify({ ...fresh(), batchId: 'other' }), 'holds batch "other", not "b1"'],
    [JSON.stringify({ ...fresh(), status: 'exploded' }), 'status is invalid'],
    [JSON.stringify({ ...fresh(), totalRetries: -1 }), 'totalRetries is not a non-negative integer'],
    [
      JSON.stringify({
        ...fresh(),
        items: { a: { status: 'done', attempts: 1, retries: 0, updatedAt: 't' } },
      }),
      'items["a"].status is invalid',
    ],
    [
      JSON.stringify({
        ...fresh(),
        items: {
          a: { status: 'failed', attempts: 1, retries: 0, updatedAt: 't', lastError: { category: 'nope' } },
        },
      }),
      'lastError is invalid',
    ],
  ])('reports %j as corrupt (%s)', (text, problem) => {
    const check = parseBatchState(text, 'b1');
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.problem).toContain(problem);
      expect(check.newer).toBe(false);
    }
  });

  it('flags state from a newer format version separately (never moved aside)', () => {
    const check = checkBatchState({ ...fresh(), version: 2 }, 'b1');
    expect(check).toMatchObject({ ok: false, newer: true });
  });

  // Foreign or hand-edited state is validated and never trusted: only the known fields are kept (they are saved
  // again on every commit), saved messages are redacted and bounded again, item ids have the size of real ones.
  it('keeps only the known fields of saved state, and redacts and bounds saved messages', () => {
    const text = JSON.stringify({
      ...fresh(),
      junk: 'x'.repeat(10_000),
      items: {
        a: {
          status: 'failed',
          attempts: 1,
          retries: 0,
          updatedAt: 't',
          extra: { nested: true },
          lastError: {
            category: 'authentication',
            errorType: 'AuthenticationError',
            retryable: false,
            statusCode: 401,
            message: `bad key sk-ant-api03-abcdefghijklmnopqrstuvwxyz\n${'y'.repeat(5_000)}`,
            stack: 'at secret (/home/me/app.js:1:1)',
          },
        },
      },
    });
    const check = parseBatchState(text, 'b1');
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(Object.keys(check.state)).not.toContain('junk');
    const item = check.state.items.a!;
    expect(Object.keys(item).sort()).toEqual(['attempts', 'lastError', 'retries', 'status', 'updatedAt']);
    expect(Object.keys(item.lastError!).sort()).toEqual([
      'category',
      'errorType',
      'message',
      'retryable',
      'statusCode',
    ]);
    expect(item.lastError!.message).not.toContain('sk-ant');
    expect(item.lastError!.message).not.toContain('\n');
    expect(item.lastError!.message.length).toBeLessThanOrEqual(512);
  });

  it.each([
    ['an empty item id', { '': { status: 'pending', attempts: 0, retries: 0, updatedAt: 't' } }, 'item id'],
    [
      'an item id longer than 512',
      { ['i'.repeat(513)]: { status: 'pending', attempts: 0, retries: 0, updatedAt: 't' } },
      'item id',
    ],
    [
      'a status code that is not an integer',
      {
        a: {
          status: 'failed',
          attempts: 1,
          retries: 0,
          updatedAt: 't',
          lastError: {
            category: 'server_error',
            errorType: 'E',
            retryable: true,
            message: 'm',
            statusCode: '503',
          },
        },
      },
      'lastError is invalid',
    ],
    [
      'a retry time that is not a date',
      { a: { status: 'retrying', attempts: 1, retries: 1, updatedAt: 't', retryAt: 'soon' } },
      'retryAt is not a date',
    ],
  ])('reports state with %s as corrupt', (_, items, problem) => {
    const check = parseBatchState(JSON.stringify({ ...fresh(), items }), 'b1');
    expect(check).toMatchObject({ ok: false, problem: expect.stringContaining(problem) });
  });
});
