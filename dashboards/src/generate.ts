/**
 * Writes the generated dashboards to `dashboards/grafana/dashboards/` and removes JSON files no dashboard
 * produces any more. Run from the repository root: `npm run dashboards`.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS_DIR, renderDashboards } from './index.js';

const rendered = renderDashboards();
mkdirSync(DASHBOARDS_DIR, { recursive: true });
const wanted = new Set(rendered.map(d => d.fileName));
for (const file of readdirSync(DASHBOARDS_DIR)) {
  if (file.endsWith('.json') && !wanted.has(file)) {
    rmSync(join(DASHBOARDS_DIR, file));
    console.log(`removed ${join(DASHBOARDS_DIR, file)}`);
  }
}
for (const { fileName, json } of rendered) {
  writeFileSync(join(DASHBOARDS_DIR, fileName), json);
  console.log(`wrote ${join(DASHBOARDS_DIR, fileName)}`);
}
