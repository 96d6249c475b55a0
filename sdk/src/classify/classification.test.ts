/**
 * Issue 8, defect 3: a classification from a custom classifier may copy raw text; `sanitizeClassification` makes
 * it as safe as a built-in one.
 */
import { describe, expect, it } from 'vitest';
import { freezeClassification, sanitizeClassification } from './classification.js';
import { classifyError } from './classifier.js';
import type { ClassifiedError } from './types.js';

const SECRET = 'k-9f8e7d6c5b4a39281706';

describe('freezeClassification', () => {
  it('freezes the fields and keeps the cause out of enumeration', () => {
    const cause = new Error(SECRET);
    const fields = {
      category: 'unknown',
      severity: 'medium',
      retryable: true,
      errorType: 'Error',
      message: 'm',
      userMessage: 'u',
    } as const;
    const classified = freezeClassification(fields, cause);
    expect(classified).toEqual(fields);
    expect(classified.cause).toBe(cause);
    expect(Object.isFrozen(classified)).toBe(true);
    expect({ ...classified }).not.toHaveProperty('cause');
  });
});

describe('sanitizeClassification (for classifications from a custom classifier)', () => {
  const custom = {
    category: 'authentication',
    severity: 'high',
    retryable: false,
    errorType: 'AuthError',
    code: `x-api-key=${SECRET}`,
    statusCode: 401,
    message: `bad key\nx-api-key: ${SECRET}`,
    userMessage: 'Check the API key.',
    cause: new Error(SECRET),
    extra: SECRET,
  } as ClassifiedError;

  it('redacts the message, drops a secret-looking code and unknown fields, hides the cause', () => {
    const safe = sanitizeClassification(custom, new Error('thrown'));
    expect(safe).toEqual({
      category: 'authentication',
      severity: 'high',
      retryable: false,
      errorType: 'AuthError',
      statusCode: 401,
      message: 'bad key x-api-key: [REDACTED]',
      userMessage: 'Check the API key.',
    });
    expect(safe.cause).toBe(custom.cause);
    expect(JSON.stringify(safe)).not.toContain(SECRET);
    expect(Object.isFrozen(safe)).toBe(true);
  });

  it('takes the thrown error as cause when a spread copy lost it', () => {
    const error = new Error('thrown');
    const { cause: _dropped, ...spread } = custom;
    expect(sanitizeClassification(spread as ClassifiedError, error).cause).toBe(error);
  });

  it('returns a classification of the default classifier as it is', () => {
    const error = new Error('x');
    const classified = classifyError(error);
    expect(sanitizeClassification(classified, error)).toBe(classified);
  });
});
