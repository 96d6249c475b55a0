/**
 * Generates the telemetry reference of `sdk/README.md` from `sdk/src/semconv.ts` (the table between the
 * `telemetry-table` markers). `npm run docs:telemetry` rewrites it; `test/readme-telemetry.test.ts` fails when
 * it is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { prometheusLabelName, prometheusMetricName } from '../sdk/src/otel/prometheus-naming.js';
import { METRICS } from '../sdk/src/semconv.js';

export const README = fileURLToPath(new URL('../sdk/README.md', import.meta.url));
const BEGIN = '<!-- telemetry-table:begin (generated from sdk/src/semconv.ts by npm run docs:telemetry) -->';
const END = '<!-- telemetry-table:end -->';

/** The Markdown table of every metric: OTel name, kind, unit, Prometheus series, labels, meaning. */
export function telemetryTable(): string {
  const rows = Object.values(METRICS).map(d => {
    const base = prometheusMetricName(d.name, d.unit, d.kind);
    const series = d.kind === 'histogram' ? `\`${base}_{bucket,sum,count}\`` : `\`${base}\``;
    const labels = d.attributes.map(a => `\`${prometheusLabelName(a)}\``).join(', ');
    return `| \`${d.name}\` | ${d.kind} | \`${d.unit}\` | ${series} | ${labels} | ${d.description} |`;
  });
  return [
    '| OTel metric | kind | unit | Prometheus series | labels (plus `service_name`) | meaning |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The README with its table replaced by the generated one. */
export function withGeneratedTable(readme: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`sdk/README.md lacks the ${BEGIN} … ${END} markers`);
  return `${readme.slice(0, start + BEGIN.length)}\n${telemetryTable()}\n${readme.slice(end)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(README, withGeneratedTable(readFileSync(README, 'utf8')));
  console.log('sdk/README.md telemetry table regenerated');
}
