import { describe, expect, it } from 'vitest';
import { isFromReplica, withInstanceId } from './fleet-protocol.js';

describe('fleet protocol', () => {
  it('sets service.instance.id in OTEL_RESOURCE_ATTRIBUTES, keeping the other attributes', () => {
    expect(withInstanceId(undefined, 'support-agent-2-ab')).toBe('service.instance.id=support-agent-2-ab');
    expect(
      withInstanceId('deployment.environment.name=demo,service.instance.id=old', 'support-agent-1-cd'),
    ).toBe('deployment.environment.name=demo,service.instance.id=support-agent-1-cd');
  });

  it('accepts only the messages a replica sends', () => {
    expect(isFromReplica({ kind: 'answered', id: 1, outcome: 'primary' })).toBe(true);
    expect(isFromReplica({ kind: 'ask' })).toBe(false);
    expect(isFromReplica(null)).toBe(false);
    expect(isFromReplica('ready')).toBe(false);
  });
});
