import { describe, expect, it } from 'vitest';
import { CLASSIFY_DEFAULTS } from './defaults.js';

describe('CLASSIFY_DEFAULTS', () => {
  it('pins every default', () => {
    expect(CLASSIFY_DEFAULTS).toEqual({
      retryAfterCapMs: 86_400_000,
      maxCauseDepth: 5,
      maxAggregateErrors: 10,
      maxMessageLength: 512,
      maxErrorTypeLength: 64,
      maxBodyParseLength: 65_536,
      maxScanLength: 8_192,
      maxHeaderLength: 256,
      maxIdentifierLength: 128,
      aggregator: { windowMs: 60_000, bucketCount: 12 },
    });
  });

  it('is frozen', () => {
    expect(Object.isFrozen(CLASSIFY_DEFAULTS)).toBe(true);
    expect(Object.isFrozen(CLASSIFY_DEFAULTS.aggregator)).toBe(true);
  });
});
