import { describe, expect, it } from 'vitest';
import { parseGoDuration, parseTextDuration } from './duration.js';

describe('parseGoDuration', () => {
  it.each([
    ['6m0s', 360_000],
    ['1.5s', 1500],
    ['20ms', 20],
    ['1h2m3s', 3_723_000],
    ['59.904s', 59_904],
    ['0s', 0],
    ['0', 0],
    ['500us', 0.5],
    ['.5s', 500],
  ])('%s → %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 6);
  });

  it.each(['', '-1s', '1', 'abc', '1x', '1s junk', '1.2.3s'])('rejects %j', text => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});

describe('parseTextDuration', () => {
  it.each([
    ['20s', 20_000],
    ['1.5s', 1500],
    ['6m0s', 360_000],
    ['500ms', 500],
    ['30 seconds', 30_000],
    ['1 second', 1000],
    ['2 minutes', 120_000],
    ['1 hour', 3_600_000],
    ['250 milliseconds', 250],
  ])('%s → %d ms', (text, ms) => {
    expect(parseTextDuration(text)).toBe(ms);
  });

  it.each(['soon', '20 parsecs', ''])('rejects %j', text => {
    expect(parseTextDuration(text)).toBeUndefined();
  });
});
