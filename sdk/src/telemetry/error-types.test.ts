import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPolicy } from '../pipeline/create-policy.js';
import { ATTR_ERROR_TYPE, ERROR_TYPE_OTHER, METRIC_ERRORS } from '../semconv.js';
import { TestTelemetry } from '../test-support/otel.js';
import { BoundedValues, MAX_METRIC_ERROR_TYPES } from './error-types.js';

describe('BoundedValues', () => {
  it('keeps the first distinct values, reports later new ones as _OTHER, and keeps admitted ones', () => {
    const values = new BoundedValues(3);
    expect(['a', 'b', 'c', 'd', 'a', 'e'].map(v => values.get(v))).toEqual([
      'a',
      'b',
      'c',
      '_OTHER',
      'a',
      '_OTHER',
    ]);
  });
});

describe('error.type cardinality on metrics', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  it('10,000 distinct error codes make at most 100 error.type series plus _OTHER', async () => {
    const policy = createPolicy('tools', { registry: null });
    for (let i = 0; i < 10_000; i++) {
      await policy
        .execute(() => Promise.reject(Object.assign(new Error('tool failed'), { code: `E_TOOL_${i}` })))
        .catch(() => {});
    }
    const types = new Set((await otel.points(METRIC_ERRORS)).map(p => p.attributes[ATTR_ERROR_TYPE]));
    expect(types.size).toBeLessThanOrEqual(MAX_METRIC_ERROR_TYPES + 1);
    expect(types.has(ERROR_TYPE_OTHER)).toBe(true);
    expect(await otel.total(METRIC_ERRORS)).toBe(10_000);
  });
});
