import { describe, expect, it } from 'vitest';
import { OptionsValidator } from '../util/validate.js';
import { assertItemId, batchIdProblem, checkBatchId } from './batch-id.js';

describe('batch ids', () => {
  it.each(['nightly', '2024-06-01_run.7', 'A', 'x'.repeat(128), 'v1.2.3'])('accepts %j', id => {
    expect(batchIdProblem(id)).toBeUndefined();
  });

  it.each([
    ['../etc/passwd', 'no path separators'],
    ['a/b', 'no path separators'],
    ['a\\b', 'no path separators'],
    ['..', 'no ".."'],
    ['a..b', 'no ".."'],
    ['nul\0byte', 'no NUL character'],
    ['', '1-128 characters'],
    ['x'.repeat(129), '1-128 characters'],
    ['.hidden', 'starting with a letter or digit'],
    ['-rf', 'starting with a letter or digit'],
    ['has space', '1-128 characters'],
    ['C:evil', '1-128 characters'],
    ['ünïcode', '1-128 characters'],
    ['NUL', 'reserved device name'],
    ['com1.json', 'reserved device name'],
  ])('rejects %j (%s)', (id, problem) => {
    expect(batchIdProblem(id)).toContain(problem);
  });

  it('rejects non-strings', () => {
    expect(batchIdProblem(42)).toBe('a string');
    expect(batchIdProblem(undefined)).toBe('a string');
  });

  it('reports a clear validation error naming the option, the rule and the value', () => {
    const v = new OptionsValidator('createBatchRetryManager("x")');
    checkBatchId(v, 'batchId', '../escape');
    expect(() => v.done()).toThrow(RangeError);
    expect(() => v.done()).toThrow(
      'Invalid options for createBatchRetryManager("x"): batchId must be a safe file-name id (no path separators), got "../escape"',
    );
  });
});

describe('item ids', () => {
  it('accepts any non-empty string up to 512 characters, __proto__ included', () => {
    expect(() => assertItemId('ticket #42 / ü')).not.toThrow();
    expect(() => assertItemId('__proto__')).not.toThrow();
  });

  it('rejects empty, overlong and non-string ids', () => {
    expect(() => assertItemId('')).toThrow(RangeError);
    expect(() => assertItemId('x'.repeat(513))).toThrow(RangeError);
    expect(() => assertItemId(7)).toThrow(TypeError);
  });
});
