import {
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  type ResourceDetector,
  serviceInstanceIdDetector,
} from '@opentelemetry/resources';

/** NodeSDK's detectors by the names `OTEL_NODE_RESOURCE_DETECTORS` takes, in NodeSDK's default order. */
const DETECTORS: ReadonlyMap<string, ResourceDetector> = new Map([
  ['serviceinstance', serviceInstanceIdDetector],
  ['process', processDetector],
  ['host', hostDetector],
  ['os', osDetector],
  ['env', envDetector],
]);

/**
 * The resource detectors NodeSDK would run (its defaults, or those `OTEL_NODE_RESOURCE_DETECTORS` names), then one
 * giving `configured`: NodeSDK merges what it detects over the resource it is given, so attributes the app sets
 * (`startTelemetry({ resourceAttributes })`, e.g. a replica's `service.instance.id`) would otherwise lose to
 * detection. Unknown names in the variable are skipped, as NodeSDK skips them.
 */
export function resourceDetectors(
  configured: Readonly<Record<string, string>>,
  fromEnv = process.env.OTEL_NODE_RESOURCE_DETECTORS,
): ResourceDetector[] {
  const names = (fromEnv ?? '')
    .split(',')
    .map(name => name.trim())
    .filter(name => name !== '');
  const chosen =
    names.length === 0 || names.includes('all')
      ? [...DETECTORS.values()]
      : names.includes('none')
        ? []
        : names.flatMap(name => DETECTORS.get(name) ?? []);
  return [...chosen, { detect: () => ({ attributes: { ...configured } }) }];
}
