/**
 * Issue 8, defect 2: classification of text an upstream controls was quadratic (`new Error('status' + ' '.repeat(40000)
 * + 'x')` took ~2 s, a 20k-digit `retry-after-ms` ~0.5 s, a 10 MB message ~150 ms). Classification now reads a
 * bounded prefix of every message and body text (`CLASSIFY_DEFAULTS.maxScanLength`), ignores over-long header
 * values and identifiers, and each of its patterns is linear. These tests pin the bounds; the timings live in
 * `bench/classify-linear.ts` (no timing assertion here).
 */
import { describe, expect, it } from 'vitest';
import { createClassifier } from './classifier.js';
import { CLASSIFY_DEFAULTS } from './defaults.js';
import { readFacts } from './facts.js';
import { classifierAt } from './test-support/clock.js';

const classify = classifierAt();
const { maxScanLength, maxHeaderLength, maxIdentifierLength } = CLASSIFY_DEFAULTS;
/** Filler that no rule reads anything into. */
const filler = (length: number) => 'x'.repeat(length);
const failed = (headers: Record<string, string>) =>
  Object.assign(new Error('Too Many Requests'), { status: 429, headers });

describe('classification reads a bounded prefix of a message', () => {
  it('sees a status word inside the prefix and not past it', () => {
    const inside = `${filler(maxScanLength - 20)} status 503`;
    const past = `${filler(maxScanLength)} status 503`;
    expect(classify(new Error(inside))).toMatchObject({ category: 'server_error', statusCode: 503 });
    expect(classify(new Error(past)).category).toBe('unknown');
    expect(classify(new Error(past)).statusCode).toBeUndefined();
  });

  it('sees a message pattern inside the prefix and not past it', () => {
    expect(classify(new Error(`${filler(maxScanLength - 20)} rate limit`)).category).toBe('rate_limited');
    expect(classify(new Error(`${filler(maxScanLength)} rate limit`)).category).toBe('unknown');
  });

  it('reads a "try again in" hint inside the prefix and not past it', () => {
    const hint = ' Please try again in 20s.';
    const inside = failed({});
    inside.message = `${filler(maxScanLength - hint.length)}${hint}`;
    const past = failed({});
    past.message = `${filler(maxScanLength)}${hint}`;
    expect(classify(inside).retryAfterMs).toBe(20_000);
    expect(classify(past).retryAfterMs).toBeUndefined();
  });

  it('bounds the body texts too', () => {
    const body = (message: string) => ({ error: { message } });
    const inside = Object.assign(new Error(''), body(`${filler(maxScanLength - 20)} overloaded`));
    const past = Object.assign(new Error(''), body(`${filler(maxScanLength)} overloaded`));
    expect(classify(inside).category).toBe('overloaded');
    expect(classify(past).category).toBe('unknown');
    expect(readFacts(past).texts.every(text => text.length <= maxScanLength)).toBe(true);
  });

  it('matches user message patterns against the prefix only', () => {
    const classifier = createClassifier({ rules: [{ message: /needle/, category: 'validation' }] });
    expect(classifier(new Error(`${filler(maxScanLength - 10)}needle`)).category).toBe('validation');
    expect(classifier(new Error(`${filler(maxScanLength)}needle`)).category).toBe('unknown');
  });

  it('does not split a surrogate pair at the bound', () => {
    const message = `${filler(maxScanLength - 1)}🚀 tail`;
    const facts = readFacts(new Error(message));
    expect(facts.message).toBe(filler(maxScanLength - 1));
  });

  it.each([
    ['the 40k-space status input', `status${' '.repeat(40_000)}x`, 'unknown'],
    ['40k spaces after HTTP', `HTTP${' '.repeat(40_000)}x`, 'unknown'],
    ['a 10 MB message', `rate limit ${'a'.repeat(10_000_000)}`, 'rate_limited'],
    ['10 MB of digits', '9'.repeat(10_000_000), 'unknown'],
    ['a repeated "violat"', `${'violat'.repeat(20_000)} our policy`, 'unknown'],
  ])('classifies %s', (_label, message, category) => {
    const classified = classify(new Error(message));
    expect(classified.category).toBe(category);
    expect(classified.message.length).toBeLessThanOrEqual(CLASSIFY_DEFAULTS.maxMessageLength);
  });
});

describe('classification ignores over-long header values', () => {
  it.each([
    ['a 20k-digit retry-after-ms', { 'retry-after-ms': '1'.repeat(20_000), 'retry-after': '2' }, 2000],
    ['20k digits and a letter', { 'retry-after-ms': `${'1'.repeat(20_000)}x`, 'retry-after': '2' }, 2000],
    ['a 20k-digit retry-after', { 'retry-after': '1'.repeat(20_000) }, undefined],
    ['a long Go duration', { 'x-ratelimit-reset-tokens': '1m'.repeat(10_000) }, undefined],
    [
      'a value just over the bound',
      { 'retry-after-ms': `${'0'.repeat(maxHeaderLength)}5`, 'retry-after': '2' },
      2000,
    ],
    ['a value at the bound', { 'retry-after-ms': `${'0'.repeat(maxHeaderLength - 1)}5` }, 5],
  ])('%s', (_label, headers, retryAfterMs) => {
    expect(classify(failed(headers)).retryAfterMs).toBe(retryAfterMs);
  });

  it('ignores an over-long x-should-retry', () => {
    const error = failed({ 'x-should-retry': `false${' '.repeat(maxHeaderLength)}` });
    expect(classify(error).retryable).toBe(true);
  });
});

describe('classification ignores over-long identifiers', () => {
  it('skips a class name longer than the bound', () => {
    const error = Object.assign(new Error('boom'), { name: `A${'b'.repeat(maxIdentifierLength)}` });
    expect(readFacts(error).names).toEqual(['Error']);
    expect(classify(error).errorType).toBe('Error');
  });

  it('keeps a class name at the bound', () => {
    const name = `A${'b'.repeat(maxIdentifierLength - 1)}`;
    const error = Object.assign(new Error('boom'), { name });
    expect(readFacts(error).names[0]).toBe(name);
  });

  it('does not parse a response body longer than the bound', () => {
    const body = JSON.stringify({
      error: { code: 'insufficient_quota', pad: filler(CLASSIFY_DEFAULTS.maxBodyParseLength) },
    });
    const error = Object.assign(new Error('failed'), { responseBody: `   ${body}` });
    expect(readFacts(error).codes).toEqual([]);
  });
});
