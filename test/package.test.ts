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
      const entries = {
        root: await import('agent-resilience'),
        batch: await import('agent-resilience/batch'),
        monitor: await import('agent-resilience/monitor'),
        semconv: await import('agent-resilience/semconv'),
        otel: await import('agent-resilience/otel'),
      };
      const { version } = (await import('agent-resilience/package.json', { with: { type: 'json' } })).default;
      const has = (entry, names) => names.filter(name => name in entries[entry]);
      console.log(JSON.stringify({
        root: has('root', ['createPolicy', 'createAgent', 'classifyError', 'createRetryBudget', 'createCircuitBreaker']),
        rootInternals: has('root', ['createMonitorHandler', 'createBatchRetryManager', 'semconv', 'CircuitBreaker',
                                    'RateLimiter', 'RecoveryManager', 'AdaptiveRateLimiter', 'FeatureRegistry']),
        batch: has('batch', ['createBatchRetryManager', 'createFileBatchStore', 'readBatchAuditLog']),
        monitor: has('monitor', ['createMonitorHandler', 'startMonitorServer', 'healthSummary']),
        semconv: has('semconv', ['METRICS', 'SCOPE_NAME', 'ATTR_RESILIENCE_POLICY']),
        otel: has('otel', ['startTelemetry', 'prometheusMetricName']),
        resolved: import.meta.resolve('agent-resilience'),
        version,
      }));`;
    const out = JSON.parse(run(process.execPath, ['--input-type=module', '-e', script]).trim());
    expect(out.root).toHaveLength(5);
    // The root entry stops at policies, classification, load shedding and agents; classes whose constructors skip
    // validation are types only (their create* factories validate).
    expect(out.rootInternals).toEqual([]);
    expect(out.batch).toHaveLength(3);
    expect(out.monitor).toHaveLength(3);
    expect(out.semconv).toHaveLength(3);
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
    for (const entry of ['otel/index', 'batch/index', 'monitor/index', 'semconv']) {
      expect(files).toContain(`dist/${entry}.js`);
      expect(files).toContain(`dist/${entry}.d.ts`);
    }
    expect(files.filter(f => /\.test\.|test-support/.test(f))).toEqual([]);
  }, 120_000);
});
