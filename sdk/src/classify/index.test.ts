import { describe, expect, it } from 'vitest';
import * as classify from './index.js';

describe('classify public surface', () => {
  it('exports exactly the public names', () => {
    expect(Object.keys(classify).sort()).toEqual([
      'CATEGORY_DEFAULTS',
      'CLASSIFY_DEFAULTS',
      'ErrorAggregator',
      'classifyError',
      'createClassifier',
      'getHeader',
      'isClassifiedError',
      'redact',
      'retryAfterMs',
    ]);
  });
});
