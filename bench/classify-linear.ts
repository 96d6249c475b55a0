/**
 * Classification and redaction stay linear and bounded on text an upstream controls (issue 8, defect 2): the time
 * to classify (or redact) a 1 MB input divided by the time for a 100 KB one of the same shape must stay below 20
 * (10 for linear work; a bounded prefix makes it about 1). Also prints the absolute time of the inputs the issue
 * reported (`status` + 40k spaces took ~3.2 s, a 20k-digit `retry-after-ms` 0.75 s, a 10 MB message ~200 ms).
 * Measures the built package; run on its own with `node --import tsx bench/classify-linear.ts` (after
 * `npm run build`), or through `npm run bench`.
 */
import { pathToFileURL } from 'node:url';
import { classifyError, redact } from 'agent-resilience';
import { table } from './table.js';

/** The largest ratio t(1 MB) / t(100 KB) accepted. */
export const MAX_RATIO = 20;
const SMALL = 100_000;
const LARGE = 1_000_000;

/** Text of exactly `length` characters made of `unit` repeated. */
const repeat = (unit: string, length: number) =>
  unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

const SECRETS =
  'x-api-key: k-1 {"password":"p\\"w"} \'api-key\': \'k\' https://u:p@h/ Cookie: a=b; c=d\nBearer t.k.n eyJab-';

/** One input shape: a thrown value (or a text to redact) of about `length` characters. */
export interface LinearCase {
  readonly name: string;
  readonly run: (length: number) => () => unknown;
}

const classifying = (name: string, build: (length: number) => unknown): LinearCase => ({
  name: `classifyError: ${name}`,
  run: length => {
    const error = build(length);
    return () => classifyError(error);
  },
});

/** Redaction with a limit as large as the text, so that all of it is scanned: the patterns themselves are linear. */
const redacting = (name: string, unit: string): LinearCase => ({
  name: `redact: ${name}`,
  run: length => {
    const text = repeat(unit, length);
    return () => redact(text, length);
  },
});

/** The shapes measured: ordinary text, then the ones each pattern is most sensitive to. */
export const LINEAR_CASES: readonly LinearCase[] = [
  classifying('prose', n => new Error(repeat('The upstream said the request failed. ', n))),
  classifying('"status" + spaces', n => new Error(`status${' '.repeat(n)}x`)),
  classifying('"HTTP" + spaces', n => new Error(`HTTP${' '.repeat(n)}x`)),
  classifying('digits', n => new Error(repeat('9', n))),
  classifying('secrets in every form', n => new Error(repeat(SECRETS, n))),
  classifying('JSON body without message (openai)', n =>
    Object.assign(new Error(`401 {"x-api-key":"${repeat('k', n)}"}`), { status: 401 }),
  ),
  classifying('digits in retry-after-ms', n =>
    Object.assign(new Error('429'), { status: 429, headers: { 'retry-after-ms': `${repeat('1', n)}x` } }),
  ),
  classifying('"try again in" + digits', n => new Error(`try again in ${repeat('1', n)}x`)),
  redacting('spaces and control characters', ' \u0001 '),
  redacting('"eyJab-"', 'eyJab-'),
  redacting('secrets in every form', SECRETS),
  redacting('backslashes and quotes', '\\"'),
];

/** One measured shape. */
export interface LinearRow {
  readonly name: string;
  /** Microseconds per run at 100 KB and at 1 MB. */
  readonly smallUs: number;
  readonly largeUs: number;
  readonly ratio: number;
}

/** Median microseconds per call of `fn`, over `samples` samples of at least `minMs` each. */
function timeUs(fn: () => unknown, samples: number, minMs: number): number {
  fn();
  const results: number[] = [];
  for (let s = 0; s < samples; s++) {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      fn();
      calls++;
      elapsed = performance.now() - start;
    } while (elapsed < minMs);
    results.push((elapsed * 1000) / calls);
  }
  return results.sort((a, b) => a - b)[results.length >> 1] ?? Number.NaN;
}

/** Measures every case at 100 KB and at 1 MB. */
export function runClassifyLinear(quick = false): LinearRow[] {
  const samples = quick ? 3 : 9;
  const minMs = quick ? 5 : 20;
  return LINEAR_CASES.map(c => {
    const smallUs = timeUs(c.run(SMALL), samples, minMs);
    const largeUs = timeUs(c.run(LARGE), samples, minMs);
    return { name: c.name, smallUs, largeUs, ratio: largeUs / smallUs };
  });
}

/** The inputs of the issue, each classified once, in milliseconds. */
export function runReportedInputs(): { readonly input: string; readonly ms: number }[] {
  const inputs: [string, unknown][] = [
    ["new Error('status' + ' '.repeat(40000) + 'x')", new Error(`status${' '.repeat(40_000)}x`)],
    [
      '20k-digit retry-after-ms',
      Object.assign(new Error('429'), {
        status: 429,
        headers: { 'retry-after-ms': `${'1'.repeat(20_000)}x` },
      }),
    ],
    ['10 MB message', new Error(repeat('a', 10_000_000))],
  ];
  classifyError(new Error('warm-up'));
  return inputs.map(([input, error]) => {
    const start = performance.now();
    classifyError(error);
    return { input, ms: performance.now() - start };
  });
}

/** The rows as tables: the ratios with their goal, then the reported inputs. */
export function classifyLinearTable(
  rows: readonly LinearRow[],
  reported: ReturnType<typeof runReportedInputs>,
): string {
  return `${table(
    [
      'linear classification (same shape, 100 KB vs 1 MB)',
      'µs at 100 KB',
      'µs at 1 MB',
      'ratio',
      'met (< 20)',
    ],
    rows.map(r => [
      r.name,
      r.smallUs.toFixed(1),
      r.largeUs.toFixed(1),
      r.ratio.toFixed(2),
      r.ratio < MAX_RATIO ? 'yes' : 'NO',
    ]),
  )}\n\n${table(
    ['inputs of issue 8 (one classification each)', 'ms'],
    reported.map(r => [r.input, r.ms.toFixed(2)]),
  )}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = runClassifyLinear(process.argv.includes('--quick'));
  console.log(classifyLinearTable(rows, runReportedInputs()));
  if (rows.some(r => r.ratio >= MAX_RATIO)) process.exitCode = 1;
}
