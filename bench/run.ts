/**
 * `npm run bench`: success-path cost of our pipeline against bare cockatiel and opossum, memory per policy, and
 * retry load amplification. Runs on Node >= 22 (re-executes itself under `npx -y node@24` on older Node:
 * Node 20's AbortSignal is ~16x slower and distorts every timeout figure). `--quick` for a short smoke run.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CASE, fullTelemetryCalls, successPathCases } from './cases.js';
import { type BenchResult, ratio, runBench } from './harness.js';
import { measureMemory } from './memory.js';
import { shutdownOtel, spanExporter } from './otel-states.js';
import { table } from './table.js';

const quick = process.argv.includes('--quick');
const major = Number(process.versions.node.split('.')[0]);

if (major < 22 && process.env.AGENT_RESILIENCE_BENCH_ANY_NODE !== '1') {
  console.log(
    `Node ${process.version} is below 22; re-running the benchmark under Node 24 (npx -y node@24)...`,
  );
  const script = fileURLToPath(import.meta.url);
  const child = spawnSync(
    'npx',
    ['-y', 'node@24', '--expose-gc', '--import', 'tsx', script, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(child.status ?? 1);
}

const find = (results: BenchResult[], name: string): BenchResult => {
  const found = results.find(r => r.name === name);
  if (found === undefined) throw new Error(`no case ${name}`);
  return found;
};

console.log(`agent-resilience benchmark on Node ${process.version} (${quick ? 'quick' : 'full'} run)\n`);
const results = await runBench(successPathCases(), { rounds: quick ? 2 : 7, windowMs: quick ? 50 : 300 });
await shutdownOtel();
const reference = find(results, CASE.cockatiel);
console.log(
  table(
    ['case', 'ns/op', 'ops/s', '× cockatiel wrap(retry, breaker, timeout)'],
    results.map(r => [
      r.name,
      r.nsPerOp.toFixed(0),
      (1e9 / r.nsPerOp).toFixed(0),
      ratio(r, reference).toFixed(2),
    ]),
  ),
);

const goals = [
  [
    '(a) ours vs cockatiel, no timeout, no OTel SDK',
    ratio(find(results, CASE.oursNoTimeout), find(results, CASE.cockatielNoTimeout)),
    1.05,
  ],
  ['(a) ours vs cockatiel, with timeout, no OTel SDK', ratio(find(results, CASE.oursNoop), reference), 1.0],
  [
    '(c) ours with metrics + spans vs bare cockatiel with timeout',
    ratio(find(results, CASE.oursFull), reference),
    1.0,
  ],
] as const;
console.log(
  `\n${table(
    ['goal', 'ratio', 'target', 'met'],
    goals.map(([name, value, target]) => [
      name,
      value.toFixed(2),
      `<= ${target.toFixed(2)}`,
      value <= target ? 'yes' : 'NO',
    ]),
  )}`,
);
const expectedSpans = fullTelemetryCalls.count;
console.log(
  `\nspans exported by the full-telemetry cases: ${spanExporter.exported} of ${expectedSpans} (one call span per call: a call needing one attempt has no attempt span)`,
);

const memory = measureMemory(quick ? 1_000 : 10_000);
console.log(
  `\n${table(
    ['memory, per instance', 'bytes', 'timers added'],
    memory.map(m => [m.kind, String(m.bytesPerInstance), String(m.timersAdded)]),
  )}`,
);

interface AmplificationRow {
  readonly scenario: string;
  readonly calls: number;
  readonly attempts: number;
  readonly amplification: number;
}
try {
  // Loaded by path so the benchmark also runs before the amplification scenarios exist.
  const amplification = './amplification.js';
  const { runAmplification } = (await import(amplification)) as {
    runAmplification(): Promise<AmplificationRow[]>;
  };
  const rows = await runAmplification();
  console.log(
    `\n${table(
      ['load amplification (downstream failing 100 %)', 'calls', 'attempts', 'attempts / call'],
      rows.map(r => [r.scenario, String(r.calls), String(r.attempts), r.amplification.toFixed(2)]),
    )}`,
  );
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
}
