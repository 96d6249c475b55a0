import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = (command: string, args: string[]) =>
  execFileSync(command, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('the published package', () => {
  it('builds, and its exports map serves the compiled entries to a consumer without the source condition', () => {
    run('npm', ['run', 'build', '--silent']);
    const script = `
      const core = await import('agent-resilience');
      const otel = await import('agent-resilience/otel');
      const { version } = (await import('agent-resilience/package.json', { with: { type: 'json' } })).default;
      console.log(JSON.stringify({
        core: ['createPolicy', 'createAgent', 'classifyError', 'createRetryBudget', 'createMonitorHandler',
               'createBatchRetryManager', 'semconv'].filter(name => name in core),
        otel: ['startTelemetry', 'prometheusMetricName'].filter(name => name in otel),
        resolved: import.meta.resolve('agent-resilience'),
        version,
      }));`;
    const out = JSON.parse(run(process.execPath, ['--input-type=module', '-e', script]).trim());
    expect(out.core).toHaveLength(7);
    expect(out.otel).toHaveLength(2);
    expect(out.resolved).toMatch(/sdk\/dist\/index\.js$/);
    expect(out.version).toMatch(/^\d+\.\d+\.\d+$/);
  }, 120_000);

  it('packs compiled code, type declarations and the README, and no tests or test support', () => {
    const [pack] = JSON.parse(run('npm', ['pack', '--dry-run', '--json', '--silent', '-w', 'sdk'])) as [
      { files: { path: string }[] },
    ];
    const files = pack.files.map(f => f.path);
    expect(files).toContain('README.md');
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/otel/index.js');
    expect(files.filter(f => /\.test\.|test-support/.test(f))).toEqual([]);
  }, 120_000);
});
