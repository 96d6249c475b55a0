import { hostDetector, serviceInstanceIdDetector } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { resourceDetectors } from './resource-detectors.js';

describe('resourceDetectors', () => {
  const configured = { 'service.instance.id': 'replica-7' };
  const last = (detectors: ReturnType<typeof resourceDetectors>) => detectors.at(-1)?.detect().attributes;

  it("runs NodeSDK's default detectors, then the configured attributes", () => {
    const detectors = resourceDetectors(configured, undefined);
    expect(detectors).toHaveLength(6);
    expect(detectors[0]).toBe(serviceInstanceIdDetector);
    expect(last(detectors)).toEqual(configured);
  });

  it('follows OTEL_NODE_RESOURCE_DETECTORS: names, all, none; unknown names skipped', () => {
    expect(resourceDetectors(configured, ' host , bogus ').slice(0, -1)).toEqual([hostDetector]);
    expect(resourceDetectors(configured, 'all')).toHaveLength(6);
    expect(resourceDetectors(configured, 'none')).toHaveLength(1);
    expect(last(resourceDetectors(configured, 'none'))).toEqual(configured);
  });
});
