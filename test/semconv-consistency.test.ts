import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as semconv from '../sdk/src/semconv.js';

const SRC = fileURLToPath(new URL('../sdk/src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'test-support' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const constants = Object.entries(semconv).filter(([, v]) => typeof v === 'string') as [string, string][];
const valuesOf = (prefix: string) => constants.filter(([k]) => k.startsWith(prefix)).map(([, v]) => v);

describe('telemetry names live only in sdk/src/semconv.ts', () => {
  it('no other SDK source file spells a resilience.* or gen_ai.* name, in code or in comments', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(SRC)) {
      if (file.endsWith('semconv.ts')) continue;
      const text = readFileSync(file, 'utf8');
      // Not preceded by a letter or '-', so `agent-resilience.` (the package's own prefix) does not count.
      for (const match of text.matchAll(/(?<![\w-])((?:resilience|gen_ai)\.[a-z_]+(?:\.[a-z_]+)*)/g)) {
        offenders.push(`${relative(SRC, file)}: ${match[1]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('attribute, metric and event names are unique', () => {
    for (const prefix of ['ATTR_', 'METRIC_', 'EVENT_']) {
      const values = valuesOf(prefix);
      expect(new Set(values).size, `${prefix} values`).toBe(values.length);
    }
  });

  it('every metric is declared once, with attributes that are declared attribute names', () => {
    const attributes = new Set(valuesOf('ATTR_'));
    const metricNames = new Set(valuesOf('METRIC_'));
    for (const d of Object.values(semconv.METRICS)) {
      expect(metricNames, d.name).toContain(d.name);
      for (const a of d.attributes) expect(attributes, `${d.name} attribute ${a}`).toContain(a);
      expect(d.description.length, `${d.name} description`).toBeGreaterThan(10);
      expect(d.unit, `${d.name} unit`).not.toBe('');
    }
    expect(
      Object.values(semconv.METRICS)
        .map(d => d.name)
        .sort(),
    ).toEqual([...metricNames].sort());
  });

  it('closed value sets hold unique, lower snake_case values', () => {
    const sets = Object.entries(semconv).filter(
      ([k, v]) => /^[A-Z_]+S$/.test(k) && Array.isArray(v) && v.every(x => typeof x === 'string'),
    ) as [string, readonly string[]][];
    expect(sets.length).toBeGreaterThan(10);
    for (const [name, values] of sets) {
      expect(new Set(values).size, name).toBe(values.length);
      for (const value of values) expect(value, name).toMatch(/^[a-z][a-z_]*$/);
    }
  });
});
