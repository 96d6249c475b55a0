/**
 * The cost of the resilient-stream stage (issue 9 §2) per chunk and per stream: a 1,000-chunk stream read
 * through `policy.executeStream` (retry + breaker, stall timeout) against a bare `for await` over the same
 * chunks, with no OpenTelemetry SDK and with the metrics SDK. Goals: ≤ 0.5 µs per chunk without an SDK, ≤ 2 µs
 * with metrics, and a 1,000-chunk stream adding < 1 ms. Runs through `npm run bench` on the built package, or
 * on its own with `node --import tsx bench/stream.ts` after `npm run build`.
 */
import { pathToFileURL } from 'node:url';
import { createPolicy } from 'agent-resilience';
import { useOtel } from './otel-states.js';
import { table } from './table.js';

const CHUNKS = 1_000;
const chunk = { text: 'x' };

/** A provider stream of `n` chunks that are all ready (so the stage's own cost dominates). */
async function* source(n: number): AsyncGenerator<{ text: string }> {
  for (let i = 0; i < n; i++) yield chunk;
}

async function bare(): Promise<number> {
  let count = 0;
  for await (const _ of source(CHUNKS)) count++;
  return count;
}

/** One measurement: µs per stream and ns per chunk above the bare loop. */
export interface StreamRow {
  readonly configuration: string;
  readonly usPerStream: number;
  readonly nsPerChunkAdded: number;
}

async function time(run: () => Promise<unknown>, streams: number): Promise<number> {
  for (let i = 0; i < Math.min(50, streams); i++) await run();
  const start = performance.now();
  for (let i = 0; i < streams; i++) await run();
  return ((performance.now() - start) * 1000) / streams;
}

/** Measures the bare loop and the resilient stream without and with the metrics SDK. */
export async function runStreamBench(quick = false): Promise<StreamRow[]> {
  const streams = quick ? 50 : 1_000;
  const policy = createPolicy('bench.stream', {
    registry: null,
    retry: { maxRetries: 2 },
    circuitBreaker: { breaker: { kind: 'consecutive', threshold: 5 } },
    stream: { stallTimeoutMs: 10_000, firstChunkTimeoutMs: 10_000 },
  });
  const resilient = async (): Promise<number> => {
    let count = 0;
    const stream = await policy.executeStream(() => source(CHUNKS));
    for await (const _ of stream) count++;
    return count;
  };
  useOtel('none');
  const bareUs = await time(bare, streams);
  const noSdkUs = await time(resilient, streams);
  useOtel('metrics');
  const metricsUs = await time(resilient, streams);
  useOtel('none');
  policy.dispose();
  const row = (configuration: string, us: number): StreamRow => ({
    configuration,
    usPerStream: us,
    nsPerChunkAdded: ((us - bareUs) * 1000) / CHUNKS,
  });
  return [
    row('bare for await', bareUs),
    row('executeStream, no OTel SDK', noSdkUs),
    row('executeStream, metrics SDK', metricsUs),
  ];
}

/** The rows as a table. */
export function streamTable(rows: readonly StreamRow[]): string {
  return table(
    [`resilient stream of ${CHUNKS} chunks`, 'µs per stream', 'ns per chunk added'],
    rows.map(r => [
      r.configuration,
      r.usPerStream.toFixed(1),
      r.configuration === 'bare for await' ? '' : r.nsPerChunkAdded.toFixed(0),
    ]),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(streamTable(await runStreamBench(process.argv.includes('--quick'))));
}
