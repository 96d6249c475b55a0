/**
 * What a game day needs to start a 429 storm by hand (docs/game-day.md): the request to `POST /chaos`, the
 * variable holding the monitoring API's token, and the command printed by the demo and by `npm run stack`. No
 * runtime import of the SDK here: `npm run stack` loads this file without the SDK's source condition.
 */

/** The environment variable holding the monitoring API's bearer token. */
export const MONITOR_TOKEN_ENV = 'AGENT_RESILIENCE_MONITOR_TOKEN';

/**
 * The body of `POST /chaos` that starts the game day's 429 storm (80 % of the primary's attempts, Retry-After 1 s
 * by default); test/game-day.e2e.test.ts sends it.
 */
export const STORM_REQUEST = JSON.stringify({
  enabled: true,
  faults: [{ fault: 'rate_limited', rate: 0.8 }],
});

/** The `curl` that sends {@link STORM_REQUEST} to the monitoring API at `monitorUrl` with `bearer` (a token or `$VAR`). */
export const stormCommand = (monitorUrl: string, bearer: string): string =>
  `curl -H "authorization: Bearer ${bearer}" -H 'content-type: application/json' -X POST ${monitorUrl}/chaos -d '${STORM_REQUEST}'`;
