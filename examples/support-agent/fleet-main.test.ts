/**
 * `npm run demo -- --replicas 3` end to end, as a user runs it: the main process starts a local redis-server
 * (Debian's, on PATH; CI installs it), three replica processes and the fake providers, drives a short outage
 * scenario through a round-robin, prints the fleet summary, and stops everything it started. The summary must
 * show a fleet acting as one: every replica's breaker opened during the outage and, once the first one had,
 * the others sent the failing provider (almost) nothing but half-open probes; the impatient customer's thread
 * got the per-thread limit of the whole fleet, not one per replica; and every message was answered.
 * The breakers' spread is measured, not asserted (FLEET_FIGURES=1 prints the outage table).
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

interface DemoRun {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the demo; past `timeoutMs` it gets SIGTERM (a graceful stop), 20 s later SIGKILL. */
function runDemo(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<DemoRun> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=agent-resilience-source', MAIN, ...args],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const term = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
  const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 20_000);
  return new Promise(resolve =>
    child.once('close', (code, signal) => {
      clearTimeout(term);
      clearTimeout(kill);
      resolve({ code: code ?? signal ?? -1, stdout, stderr });
    }),
  );
}

/** The environment of a user with no Redis configured and no OTLP export. */
function cleanEnv(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', ...overrides };
  delete env.REDIS_URL;
  delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return env;
}

/** The cells of the first row starting with `first` after the line containing `header`. */
function row(output: string, header: string, first: string): string[] {
  const lines = output.split('\n');
  const start = lines.findIndex(line => line.includes(header));
  expect(start, `no table "${header}" in:\n${output}`).toBeGreaterThanOrEqual(0);
  const found = lines.slice(start).find(line => line.startsWith(`│ ${first} `));
  expect(found, `no row "${first}" under "${header}"`).toBeDefined();
  return found!
    .split('│')
    .slice(1, -1)
    .map(cell => cell.trim());
}

/** Whether something still listens on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm run demo -- --replicas 3', () => {
  it('fails with a usage error saying how to get a Redis when none is given and redis-server is missing', async () => {
    const run = await runDemo(['--replicas', '3'], cleanEnv({ PATH: '/nonexistent' }), 30_000);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: --replicas 3 needs a Redis for the replicas to share their state');
    expect(run.stderr).toContain('pass --redis redis://<host>:6379 (or set REDIS_URL)');
    expect(run.stderr).toContain('sudo apt-get install redis-server');
  });

  it('runs a fleet that stops calling the failing provider together and serves every conversation', async () => {
    // The failover scenario: one outage and no stream faults, so no run can fail for reasons of its own (in the
    // outage scenario, a backup breaking mid-stream twice in a row, on a run and on its restart, fails it).
    const args = ['--replicas', '3', '--scenario', 'failover', '--duration', '20', '--rate', '9', '--quiet'];
    const run = await runDemo([...args, '--metrics-port', '0', '--monitor-port', '0'], cleanEnv(), 90_000);
    const { stdout } = run;
    expect(run.code, run.stderr).toBe(0);

    // Three replicas, each with its own /metrics and service.instance.id; a local Redis started for the run.
    const replicaLines = stdout.split('\n').filter(line => /^ {2}replica \d/.test(line));
    expect(replicaLines).toHaveLength(3);
    const instanceIds = replicaLines.map(line => /service\.instance\.id (\S+)/.exec(line)?.[1]);
    expect(new Set(instanceIds).size).toBe(3);
    const metricsPorts = replicaLines.map(line =>
      Number(/metrics http:\/\/127\.0\.0\.1:(\d+)\//.exec(line)?.[1]),
    );
    const redisPort = Number(
      /Redis {17}redis:\/\/127\.0\.0\.1:(\d+) \(a redis-server started/.exec(stdout)?.[1],
    );
    expect(redisPort).toBeGreaterThan(0);

    // Every message was answered, none failed: calls = primary + backup + cached + apology + rate-limited.
    const [, calls, primary, backup, cached, apology, limited, failed] = row(
      stdout,
      '│ replica │ calls',
      'fleet',
    );
    expect(Number(failed)).toBe(0);
    expect(Number(calls)).toBe(
      [primary, backup, cached, apology, limited].reduce((a, b) => a + Number(b), 0),
    );
    expect(Number(calls)).toBeGreaterThan(100);
    expect(stdout).not.toContain('had no answer');

    // Every replica's breaker opened during the outage ...
    for (const replica of ['1', '2', '3']) {
      expect(row(stdout, 'breaker opened', replica)[1]).toMatch(/^\+\d+\.\d{3} s$/);
    }
    // ... and once the first had, the fleet sent the provider at most 2 requests that were not half-open probes
    // (an attempt a replica admitted in the milliseconds before the fleet's state reached it).
    const verdict = /the fleet sent the primary (\d+) requests?, (\d+) of them half-open probes/.exec(stdout);
    expect(verdict, stdout).not.toBeNull();
    expect(Number(verdict![1]) - Number(verdict![2])).toBeLessThanOrEqual(2);

    // The impatient customer's thread got 10 messages per 10 s from the whole fleet (20 s and the drain: at most
    // 3 windows), where 3 replicas limiting on their own would each admit 10 per 10 s of ~1 message/s.
    const limit = /the impatient customer sent (\d+) messages in one thread; the fleet admitted (\d+)/.exec(
      stdout,
    );
    expect(limit, stdout).not.toBeNull();
    const [sent, admitted] = [Number(limit![1]), Number(limit![2])];
    expect(sent).toBeGreaterThan(40);
    expect(admitted).toBeGreaterThanOrEqual(10);
    expect(admitted).toBeLessThanOrEqual(30);

    // Everything it started is gone: the replicas' /metrics and the local Redis.
    for (const port of [...metricsPorts, redisPort]) expect(await listening(port)).toBe(false);

    if (process.env.FLEET_FIGURES === '1') {
      const lines = stdout.split('\n');
      console.log(lines.slice(lines.findIndex(line => line.startsWith('The outage:'))).join('\n'));
    }
  }, 150_000);
});
