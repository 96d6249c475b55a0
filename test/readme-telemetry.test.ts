import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README, withGeneratedTable } from '../scripts/telemetry-table.js';

describe('sdk/README.md telemetry reference', () => {
  it('matches sdk/src/semconv.ts (run `npm run docs:telemetry` to regenerate)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toBe(withGeneratedTable(readme));
  });
});
