/**
 * Issue 11 §2: a failure chaos injection produced carries the {@link CHAOS_INJECTED} marker, and its classification
 * says so (`injected: true`) so telemetry can label it; everything else is classified as the real error would be.
 */
import { describe, expect, it } from 'vitest';
import { CHAOS_INJECTED, type ClassifiedError } from '../errors/classified-error.js';
import { sanitizeClassification } from './classification.js';
import { classifyError, createClassifier } from './classifier.js';

const marked = <T extends object>(error: T): T =>
  Object.defineProperty(error, CHAOS_INJECTED, { value: true });
const rateLimited = () => Object.assign(new Error('429 Too Many Requests'), { status: 429 });

describe('classifyError and the chaos marker', () => {
  it('sets injected on the classification of a marked error, and only there', () => {
    const real = classifyError(rateLimited());
    const injected = classifyError(marked(rateLimited()));
    expect(injected.injected).toBe(true);
    expect(real).not.toHaveProperty('injected');
    const { injected: _flag, ...rest } = injected;
    expect(rest).toEqual({ ...real });
  });

  it('sees the marker on the error that decided (a marked error wrapped by the caller)', () => {
    const wrapped = new Error('the model call failed', { cause: marked(rateLimited()) });
    expect(classifyError(wrapped)).toMatchObject({ category: 'rate_limited', injected: true });
  });

  it('sets injected with user rules too', () => {
    const classify = createClassifier({ rules: [{ status: 429, category: 'overloaded' }] });
    expect(classify(marked(rateLimited()))).toMatchObject({ category: 'overloaded', injected: true });
  });

  it('ignores a marker that is not exactly true, and a Proxy whose get trap throws', () => {
    const fake = Object.assign(rateLimited(), { [CHAOS_INJECTED]: 'yes' });
    expect(classifyError(fake)).not.toHaveProperty('injected');
    const hostile = new Proxy(rateLimited(), {
      get(target, key) {
        if (key === CHAOS_INJECTED) throw new Error('trap');
        return Reflect.get(target, key);
      },
    });
    expect(classifyError(hostile)).toMatchObject({ category: 'rate_limited' });
    expect(classifyError(hostile)).not.toHaveProperty('injected');
  });
});

describe('sanitizeClassification keeps injected', () => {
  it('on a spread copy of a built-in classification and on a custom one', () => {
    const error = marked(rateLimited());
    expect(sanitizeClassification({ ...classifyError(error) }, error).injected).toBe(true);
    const custom = { ...classifyError(error), injected: true } as ClassifiedError;
    expect(sanitizeClassification(custom, error).injected).toBe(true);
  });

  it('labels the classification a custom classifier made of a marked error (it knows nothing of chaos)', () => {
    const error = marked(rateLimited());
    const custom = { ...classifyError(rateLimited()) } as ClassifiedError;
    expect(custom).not.toHaveProperty('injected');
    expect(sanitizeClassification(custom, error).injected).toBe(true);
  });

  it('drops an injected value that is not true', () => {
    const error = rateLimited();
    const custom = { ...classifyError(error), injected: 'yes' } as unknown as ClassifiedError;
    expect(sanitizeClassification(custom, error)).not.toHaveProperty('injected');
  });
});
