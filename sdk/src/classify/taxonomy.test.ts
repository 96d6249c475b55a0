import { describe, expect, it } from 'vitest';
import { ERROR_CATEGORIES } from '../semconv.js';
import { CATEGORY_DEFAULTS, mergeCategoryDefaults } from './taxonomy.js';
import { DESIGN_TABLE } from './test-support/expect.js';

describe('CATEGORY_DEFAULTS', () => {
  it('covers exactly the closed category set', () => {
    expect(Object.keys(CATEGORY_DEFAULTS)).toEqual([...ERROR_CATEGORIES]);
  });

  it.each(ERROR_CATEGORIES)('%s has the severity and retryability of DESIGN.md §4', category => {
    const { severity, retryable } = CATEGORY_DEFAULTS[category];
    expect({ severity, retryable }).toEqual(DESIGN_TABLE[category]);
  });

  it('pins the user messages', () => {
    expect(Object.fromEntries(ERROR_CATEGORIES.map(c => [c, CATEGORY_DEFAULTS[c].userMessage]))).toEqual({
      rate_limited: 'The AI service is receiving too many requests. Retrying shortly.',
      quota_exceeded: 'The AI service usage quota has been reached. Please try again later.',
      overloaded: 'The AI service is temporarily overloaded. Retrying shortly.',
      server_error: 'The service had a temporary problem. Retrying shortly.',
      timeout: 'The service took too long to respond. Retrying shortly.',
      network: 'The service could not be reached. Retrying shortly.',
      authentication: 'The service refused our credentials. Please contact the administrator.',
      validation: 'The service could not process this request.',
      not_found: 'The requested model or resource was not found.',
      context_length_exceeded:
        'The conversation is too long for the AI model. Please shorten it and try again.',
      content_filtered: "The request was blocked by the AI service's content policy.",
      cancelled: 'The request was cancelled.',
      circuit_open: 'The service is temporarily unavailable. Please try again later.',
      rejected: 'The system is busy. Please try again in a moment.',
      programming: 'Something went wrong on our side.',
      unknown: 'Something went wrong. Please try again.',
    });
  });

  it('is deeply frozen', () => {
    expect(Object.isFrozen(CATEGORY_DEFAULTS)).toBe(true);
    expect(ERROR_CATEGORIES.every(c => Object.isFrozen(CATEGORY_DEFAULTS[c]))).toBe(true);
  });
});

describe('mergeCategoryDefaults', () => {
  it('overrides only the given fields and keeps the other categories as they are', () => {
    const merged = mergeCategoryDefaults({ unknown: { retryable: false, userMessage: undefined } });
    expect(merged.unknown).toEqual({ ...CATEGORY_DEFAULTS.unknown, retryable: false });
    expect(merged.timeout).toBe(CATEGORY_DEFAULTS.timeout);
    expect(Object.isFrozen(merged)).toBe(true);
  });
});
