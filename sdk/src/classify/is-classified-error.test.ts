import { describe, expect, it } from 'vitest';
import { classifyError } from './classifier.js';
import { isClassifiedError } from './is-classified-error.js';

describe('isClassifiedError', () => {
  it('recognises a classification and rejects look-alikes', () => {
    expect(isClassifiedError(classifyError(new Error('x')))).toBe(true);
    expect(isClassifiedError({ category: 'timeout' })).toBe(false);
    expect(isClassifiedError({ ...classifyError(new Error('x')), severity: 'huge' })).toBe(false);
    expect(isClassifiedError(null)).toBe(false);
  });
});
