/**
 * The layering check of DESIGN.md §2 (issue 8 §3) is Biome's noRestrictedImports per layer plus noImportCycles,
 * configured in biome.json and run by `npm run lint`. This test proves the check bites: a copy of biome.json in a
 * scratch project with a planted back-edge (core/ importing pipeline/) and a planted runtime cycle must fail.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIOME = join(ROOT, 'node_modules', '.bin', 'biome');

function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'layering-'));
  copyFileSync(join(ROOT, 'biome.json'), join(dir, 'biome.json'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function lint(dir: string): { ok: boolean; output: string } {
  try {
    const output = execFileSync(BIOME, ['lint', '--vcs-enabled=false', 'sdk'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return { ok: true, output };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('the layering check', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('passes a downward import (pipeline/ importing core/)', () => {
    const dir = scratch({
      'sdk/src/core/stage.ts': 'export const stage = 1;\n',
      'sdk/src/pipeline/compose.ts':
        "import { stage } from '../core/stage.js';\n\nexport const composed = stage;\n",
    });
    dirs.push(dir);
    expect(lint(dir)).toMatchObject({ ok: true });
  });

  it('fails a back-edge: core/ importing pipeline/', () => {
    const dir = scratch({
      'sdk/src/pipeline/create-policy.ts': 'export const createPolicy = 1;\n',
      'sdk/src/core/planted.ts':
        "import { createPolicy } from '../pipeline/create-policy.js';\n\nexport const planted = createPolicy;\n",
    });
    dirs.push(dir);
    const result = lint(dir);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('noRestrictedImports');
    expect(result.output).toContain('core/ (the stage kernel) must not import a higher layer');
  });

  it('fails a runtime import cycle inside one layer', () => {
    const dir = scratch({
      'sdk/src/policies/a.ts': "import { b } from './b.js';\n\nexport const a = () => b;\n",
      'sdk/src/policies/b.ts': "import { a } from './a.js';\n\nexport const b = () => a;\n",
    });
    dirs.push(dir);
    const result = lint(dir);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('noImportCycles');
  });
});
