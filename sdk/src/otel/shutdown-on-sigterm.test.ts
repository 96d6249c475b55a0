import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../test-support/ports.js';

const sourceUrl = (path: string) => new URL(path, import.meta.url).href;

describe("the README's SIGTERM pattern", () => {
  it('exits with code 0 and no unhandled rejection when the Collector is down', async () => {
    // Issue 8 item 4: `process.once('SIGTERM', () => void telemetry.shutdown())` ended in an unhandled
    // rejection (ECONNREFUSED from the last export) and exit code 1.
    const script = `
      const { startTelemetry } = await import(${JSON.stringify(sourceUrl('./index.ts'))});
      const { createPolicy } = await import(${JSON.stringify(sourceUrl('../index.ts'))});
      const telemetry = await startTelemetry({
        serviceName: 'sigterm',
        otlp: { endpoint: 'http://127.0.0.1:${await freeLoopbackPort()}' },
        prometheus: false,
      });
      await createPolicy('sigterm.policy', { registry: null }).execute(() => 'ok');
      const work = setInterval(() => {}, 1000); // the app's own work, which it stops on SIGTERM
      process.once('SIGTERM', () => void telemetry.shutdown());
      process.once('SIGTERM', () => clearInterval(work));
      console.log('ready');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      // The exporter's own retries give up quickly, so the child exits soon after its last export failed.
      env: { ...process.env, OTEL_EXPORTER_OTLP_TIMEOUT: '300' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', chunk => {
      stderr += chunk;
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    try {
      const exited = once(child, 'exit');
      const [ready] = await Promise.race([once(child.stdout, 'data'), exited]);
      expect(String(ready), stderr).toContain('ready');
      child.kill('SIGTERM');
      const [code, signal] = await exited;
      expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
    }
  }, 20_000);
});
