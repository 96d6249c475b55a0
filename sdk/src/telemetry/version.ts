/** Version of the `agent-resilience` package, reported as the instrumentation scope version (pinned by a test). */
export const PACKAGE_VERSION = '0.1.0';
