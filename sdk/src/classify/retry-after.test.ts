import { describe, expect, it } from 'vitest';
import { fromHeaders, fromText, retryAfterMs } from './retry-after.js';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const now = () => NOW;
const CAP = 86_400_000;

describe('retryAfterMs from headers', () => {
  it.each([
    ['retry-after-ms (float ms)', { 'retry-after-ms': '1500.5' }, 1501],
    ['retry-after delta seconds', { 'retry-after': '20' }, 20_000],
    ['retry-after fractional seconds', { 'retry-after': '1.5' }, 1500],
    ['retry-after HTTP date', { 'retry-after': 'Mon, 23 Nov 2026 12:00:30 GMT' }, 30_000],
    ['retry-after-ms before retry-after', { 'retry-after-ms': '250', 'retry-after': '20' }, 250],
    ['invalid retry-after-ms falls through', { 'retry-after-ms': 'soon', 'retry-after': '2' }, 2000],
    ['negative retry-after-ms falls through', { 'retry-after-ms': '-5', 'retry-after': '2' }, 2000],
    [
      'past HTTP date falls through',
      { 'retry-after': 'Mon, 23 Nov 2026 11:00:00 GMT', 'retry-after-ms': 'x' },
      undefined,
    ],
    ['negative retry-after is ignored', { 'retry-after': '-3' }, undefined],
    [
      'OpenAI: the exhausted limit wins',
      {
        'x-ratelimit-remaining-requests': '499',
        'x-ratelimit-reset-requests': '120ms',
        'x-ratelimit-remaining-tokens': '0',
        'x-ratelimit-reset-tokens': '6m0s',
      },
      360_000,
    ],
    [
      'OpenAI: exhausted requests beat a larger token reset',
      {
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': '1.5s',
        'x-ratelimit-remaining-tokens': '1000',
        'x-ratelimit-reset-tokens': '1h2m3s',
      },
      1500,
    ],
    [
      'OpenAI: nothing exhausted → the largest',
      { 'x-ratelimit-reset-requests': '20ms', 'x-ratelimit-reset-tokens': '1.5s' },
      1500,
    ],
    [
      'Anthropic RFC 3339 resets: the exhausted limit wins',
      {
        'anthropic-ratelimit-requests-remaining': '10',
        'anthropic-ratelimit-requests-reset': '2026-11-23T12:00:50Z',
        'anthropic-ratelimit-input-tokens-remaining': '0',
        'anthropic-ratelimit-input-tokens-reset': '2026-11-23T12:00:05Z',
        'anthropic-ratelimit-output-tokens-reset': '2026-11-23T12:00:01Z',
      },
      5000,
    ],
    [
      'Anthropic: nothing exhausted → the largest',
      {
        'anthropic-ratelimit-tokens-reset': '2026-11-23T12:00:02Z',
        'anthropic-ratelimit-requests-reset': '2026-11-23T12:00:09.5Z',
      },
      9500,
    ],
    [
      'retry-after beats the rate-limit resets',
      { 'retry-after': '7', 'anthropic-ratelimit-requests-reset': '2026-11-23T12:00:50Z' },
      7000,
    ],
    ['invalid reset values are ignored', { 'x-ratelimit-reset-tokens': 'soon' }, undefined],
    ['x-should-retry is not a delay', { 'x-should-retry': 'true' }, undefined],
  ])('%s', (_label, headers, expected) => {
    expect(retryAfterMs({ headers }, now, CAP)).toBe(expected);
  });

  it('reads a WHATWG Headers and a Map alike', () => {
    expect(retryAfterMs({ headers: new Headers({ 'Retry-After': '3' }) }, now, CAP)).toBe(3000);
    expect(retryAfterMs({ headers: new Map([['Retry-After-Ms', '40']]) }, now, CAP)).toBe(40);
  });

  it('clamps to the cap', () => {
    expect(retryAfterMs({ headers: { 'retry-after': '999999' } }, now, 60_000)).toBe(60_000);
  });

  it('uses the injected clock for dates', () => {
    const headers = { 'retry-after': 'Mon, 23 Nov 2026 12:01:00 GMT' };
    expect(fromHeaders(headers, () => NOW + 45_000)).toBe(15_000);
  });

  it('prefers headers to text', () => {
    expect(retryAfterMs({ headers: { 'retry-after': '1' }, texts: ['try again in 20s'] }, now, CAP)).toBe(
      1000,
    );
  });
});

describe('retryAfterMs from text', () => {
  it.each([
    ['Rate limit reached for gpt-4o. Please try again in 1.5s. Visit …', 1500],
    ['try again in 20s', 20_000],
    ['Please retry after 30 seconds', 30_000],
    ['Rate limit exceeded, try again in 6m0s', 360_000],
    ['Please try again in 500ms.', 500],
    ['Resource exhausted. Please retry in 13.5s.', 13_500],
    ['No deployments available, Try again in 5 seconds', 5000],
  ])('%s', (text, expected) => {
    expect(fromText(text)).toBe(expected);
    expect(retryAfterMs({ texts: ['unrelated', text] }, now, CAP)).toBe(expected);
  });

  it.each(['Please try again later.', 'retry after a while', 'took 20s'])('finds nothing in %j', text => {
    expect(fromText(text)).toBeUndefined();
  });
});
