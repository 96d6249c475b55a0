/**
 * `npm run bench`: success-path cost of our pipeline against bare cockatiel and opossum, memory per policy,
 * retry load amplification, classification time on hostile text (linear, bounded), the cost of a zero-delay
 * retry, of a resilient stream per chunk, of the pieces shared across replicas on a local Redis, and hedging's
 * p99 cut against a slow tail (on virtual time, from the sources). It measures
 * the built package (`sdk/dist`, what users install), so `npm run bench` builds first. Each configuration runs in its own process next to the cockatiel references (an
 * app runs one configuration; mixing them in one process makes shared call sites megamorphic and penalises
 * whichever runs second). Runs on Node >= 22
 * (re-executes itself under `npx -y node@24` on older Node: Node 20's AbortSignal is ~16x slower and distorts
 * every timeout figure). `--quick` for a short smoke run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CASE, fullTelemetryCalls, successPathCases } from './cases.js';
import { type BenchResult, ratio, runBench } from './harness.js';
import { measureMemory } from './memory.js';
import { shutdownOtel, spanExporter } from './otel-states.js';
import { table } from './table.js';

const quick = process.argv.includes('--quick');
const script = fileURLToPath(import.meta.url);
const caseArg = process.argv.indexOf('--case');

if (Number(process.versions.node.split('.')[0]) < 22 && process.env.AGENT_RESILIENCE_BENCH_ANY_NODE !== '1') {
  console.log(
    `Node ${process.version} is below 22; re-running the benchmark under Node 24 (npx -y node@24)...`,
  );
  const child = spawnSync(
    'npx',
    ['-y', 'node@24', '--expose-gc', '--import', 'tsx', script, ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  process.exit(child.status ?? 1);
}

/** One configuration measured next to the references, in this process. */
interface PairResult {
  readonly results: BenchResult[];
  readonly spansExported: number;
  readonly spanCalls: number;
}

const REFERENCES = [CASE.cockatielNoTimeout, CASE.cockatiel];

if (caseArg > 0) {
  // Child: measure one configuration and the references, print JSON.
  const target = process.argv[caseArg + 1] ?? '';
  const names = REFERENCES.includes(target as (typeof REFERENCES)[number])
    ? REFERENCES
    : [...REFERENCES, target];
  const results = await runBench(successPathCases(names), {
    rounds: quick ? 2 : 11,
    windowMs: quick ? 50 : 300,
  });
  await shutdownOtel();
  const out: PairResult = {
    results,
    spansExported: spanExporter.exported,
    spanCalls: fullTelemetryCalls.count,
  };
  console.log(JSON.stringify(out));
  process.exit(0);
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[values.length >> 1] ?? Number.NaN;

console.log(`agent-resilience benchmark on Node ${process.version} (${quick ? 'quick' : 'full'} run)\n`);
const rows: string[][] = [];
const ratios = new Map<string, { toTimeout: number; toPlain: number }>();
let spans = { exported: 0, calls: 0 };
const referenceTimes = new Map<string, number[]>();
for (const c of successPathCases()) {
  if (REFERENCES.includes(c.name as (typeof REFERENCES)[number])) continue;
  const json = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', script, '--case', c.name, ...(quick ? ['--quick'] : [])],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const pair = JSON.parse(json.trim().split('\n').at(-1)!) as PairResult;
  const find = (name: string) => pair.results.find(r => r.name === name)!;
  const own = find(c.name);
  for (const ref of REFERENCES)
    referenceTimes.set(ref, [...(referenceTimes.get(ref) ?? []), find(ref).nsPerOp]);
  ratios.set(c.name, {
    toTimeout: ratio(own, find(CASE.cockatiel)),
    toPlain: ratio(own, find(CASE.cockatielNoTimeout)),
  });
  rows.push([
    c.name,
    own.nsPerOp.toFixed(0),
    (1e9 / own.nsPerOp).toFixed(0),
    ratios.get(c.name)!.toTimeout.toFixed(2),
    ratios.get(c.name)!.toPlain.toFixed(2),
  ]);
  spans = { exported: spans.exported + pair.spansExported, calls: spans.calls + pair.spanCalls };
}
for (const ref of REFERENCES) {
  const ns = median(referenceTimes.get(ref) ?? []);
  rows.splice(1, 0, [`${ref} (median of every process)`, ns.toFixed(0), (1e9 / ns).toFixed(0), '', '']);
}
console.log(
  table(
    ['case', 'ns/op', 'ops/s', '× cockatiel (retry, breaker, timeout)', '× cockatiel (retry, breaker)'],
    rows,
  ),
);

const goal = (name: string, value: number, target: number) => [
  name,
  value.toFixed(2),
  `<= ${target.toFixed(2)}`,
  value <= target ? 'yes' : 'NO',
];
console.log(
  `\n${table(
    ['goal (ratios measured in the same process)', 'ratio', 'target', 'met'],
    [
      goal('(a) ours vs cockatiel, no timeout, no OTel SDK', ratios.get(CASE.oursNoTimeout)!.toPlain, 1.05),
      goal('(a) ours vs cockatiel, with timeout, no OTel SDK', ratios.get(CASE.oursNoop)!.toTimeout, 1.0),
      goal(
        '(c) ours with metrics + spans vs bare cockatiel with timeout',
        ratios.get(CASE.oursFull)!.toTimeout,
        1.0,
      ),
    ],
  )}`,
);
console.log(
  `\nspans exported: ${spans.exported} of ${spans.calls} ` +
    '(one call span per call: a call needing one attempt has no attempt span)',
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
const { runAmplification } = (await import('./amplification.js')) as {
  runAmplification(): Promise<AmplificationRow[]>;
};
const amplification = await runAmplification();
console.log(
  `\n${table(
    ['load amplification (downstream failing 100 %)', 'calls', 'attempts', 'attempts / call'],
    amplification.map(r => [r.scenario, String(r.calls), String(r.attempts), r.amplification.toFixed(2)]),
  )}`,
);

const { classifyLinearTable, runClassifyLinear, runReportedInputs } = await import('./classify-linear.js');
console.log(`\n${classifyLinearTable(runClassifyLinear(quick), runReportedInputs())}`);

const { runZeroDelay, zeroDelayTable } = await import('./zero-delay.js');
console.log(`\n${zeroDelayTable(await runZeroDelay(quick))}`);

const { runStreamBench, streamTable } = await import('./stream.js');
console.log(`\n${streamTable(await runStreamBench(quick))}`);

const { runCoordinationBench, coordinationTable } = await import('./coordination.js');
console.log(`\n${coordinationTable(await runCoordinationBench(quick))}`);

const { runHedgingBench, hedgingTable } = await import('./hedging.js');
console.log(`\n${hedgingTable(await runHedgingBench(quick))}`);
