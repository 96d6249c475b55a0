/**
 * The local observability stack without Docker, used by `npm run stack` and test/stack.e2e.test.ts: the demo
 * agent (its embedded /metrics and monitoring API), Prometheus (the repository's rules), Alertmanager (the
 * repository's routes) and the webhook receiver, all on 127.0.0.1, with their configs and data in one temp dir.
 *
 * startStack() checks the binaries and ports, writes the configs, starts the receiver, Alertmanager and
 * Prometheus, waits until they are ready, then starts the demo and waits for its endpoints. It cleans up when
 * any of this fails. Stack.stop() stops every process (demo first, so it prints its summary) and removes the
 * temp dir; it is idempotent. A stack not stopped when the process exits is killed (SIGKILL) by an exit hook.
 * The demo's monitoring API asks for a bearer token made up per stack (Stack.monitorToken) before it changes
 * anything, chaos injection included (`POST /chaos`, docs/game-day.md).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MONITOR_TOKEN_ENV } from '../../examples/support-agent/game-day.js';
import { locateServers, missingServers, missingServersMessage } from './binaries.js';
import { REPO_ROOT, writeConfigs } from './configs.js';
import { isUp, pollUntil } from './poll.js';
import { HOST, PortInUseError, resolvePorts, type StackPorts } from './ports.js';
import { describeExit, type ExitInfo, ManagedProcess } from './processes.js';

export type Source = 'webhook' | 'alertmanager' | 'prometheus' | 'demo';

export interface StackOptions {
  /** Requested ports; 0 = any free port. */
  readonly ports: StackPorts;
  /** Demo scenario (examples/support-agent/scenario.ts) and the length of one cycle. */
  readonly scenario: string;
  readonly durationSeconds: number;
  /** Repeat the scenario until stopped (else the demo exits after one cycle, which stops `npm run stack`). */
  readonly loop: boolean;
  /** Demo without per-second progress lines. */
  readonly quiet: boolean;
  /** Every output line of every process. Prometheus and Alertmanager log warnings and errors only. */
  readonly onOutput?: (source: Source, line: string) => void;
  /** Bound on each readiness wait (default 60 s). */
  readonly readyTimeoutMs?: number;
  /** Aborting it (Ctrl-C during the start) stops the start: startStack cleans up and throws StackError. */
  readonly signal?: AbortSignal;
}

export interface StackUrls {
  readonly prometheus: string;
  readonly alertmanager: string;
  readonly webhook: string;
  readonly metrics: string;
  readonly monitor: string;
}

/** A failure to start or run the stack, with a message meant for the user. */
export class StackError extends Error {}

/** The message of the StackError thrown when StackOptions.signal is aborted during the start. */
export const INTERRUPTED = 'interrupted while starting';

const DEMO_MAIN = join(REPO_ROOT, 'examples/support-agent/main.ts');
const WEBHOOK_RECEIVER = join(REPO_ROOT, 'dashboards/alertmanager/webhook-receiver.mjs');

export function stackUrls(ports: StackPorts): StackUrls {
  const at = (port: number) => `http://${HOST}:${port}`;
  return {
    prometheus: at(ports.prometheus),
    alertmanager: at(ports.alertmanager),
    webhook: at(ports.webhook),
    metrics: `${at(ports.metrics)}/metrics`,
    monitor: at(ports.monitor),
  };
}

/** Stacks not stopped yet: killed (synchronously) if the process exits without stopping them. */
const live = new Set<Stack>();
let exitHookInstalled = false;

function track(stack: Stack): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const s of live) s.killNow();
    });
  }
  live.add(stack);
}

export class Stack {
  readonly urls: StackUrls;
  /** Bearer token of the demo's monitoring API (`POST /chaos`, breaker resets); made up per stack. */
  readonly monitorToken = randomBytes(24).toString('base64url');
  private readonly processes: ManagedProcess[] = [];
  private firstExit: ExitInfo | undefined;
  private stopping: Promise<void> | undefined;
  /** Resolves with the first process that exits on its own (not through stop()). */
  readonly exited: Promise<ExitInfo>;
  private resolveExited!: (info: ExitInfo) => void;

  constructor(
    readonly ports: StackPorts,
    /** Temp dir with the generated configs, the data of Prometheus and Alertmanager. */
    readonly dir: string,
    private readonly onOutput: StackOptions['onOutput'],
  ) {
    this.urls = stackUrls(ports);
    track(this);
    this.exited = new Promise(resolve => {
      this.resolveExited = resolve;
    });
  }

  start(source: Source, command: string, args: readonly string[], env?: NodeJS.ProcessEnv): void {
    const child = new ManagedProcess({
      name: source,
      command,
      args,
      cwd: REPO_ROOT,
      ...(env === undefined ? {} : { env: { ...process.env, ...env } }),
      onLine: line => this.onOutput?.(source, line),
    });
    this.processes.push(child);
    void child.exited.then(info => {
      if (this.stopping !== undefined) return;
      this.firstExit ??= info;
      this.resolveExited(info);
    });
  }

  /** An error describing the process that exited on its own, with its last output; undefined if none did. */
  exitError(): StackError | undefined {
    if (this.firstExit === undefined) return undefined;
    const child = this.processes.find(p => p.name === this.firstExit!.name);
    const tail = child?.tail() || '  (none)';
    return new StackError(`${describeExit(this.firstExit)}. Its last output:\n${tail}`);
  }

  /** The last output lines of every process, for failure messages. */
  logs(): string {
    return this.processes.map(p => p.tail()).join('\n');
  }

  /** Waits (bounded) until `url` answers 2xx; fails early when a process exits or `signal` is aborted. */
  async waitUp(url: string, what: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await pollUntil(() => isUp(url), {
      what: `${what} at ${url}`,
      timeoutMs,
      intervalMs: 200,
      abort: () => (signal?.aborted ? new StackError(INTERRUPTED) : this.exitError()),
    });
  }

  /**
   * Last resort, synchronous (for signal handlers and exit hooks): SIGKILLs every process group and removes the
   * temp dir. No summary, no grace period. Runs by itself when the process exits without stop().
   */
  killNow(): void {
    for (const p of this.processes) p.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Stops every process (demo first) and removes the temp dir. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const demo = this.processes.filter(p => p.name === 'demo');
      const others = this.processes.filter(p => p.name !== 'demo');
      // The demo waits up to 15 s for the calls in flight, then prints its summary.
      await Promise.all(demo.map(p => p.stop(20_000)));
      await Promise.all(others.map(p => p.stop(5_000)));
      rmSync(this.dir, { recursive: true, force: true });
      live.delete(this);
    })();
    return this.stopping;
  }
}

/** Starts the whole stack; on any failure stops what was started, removes the temp dir and throws. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const missing = missingServers();
  if (missing.length > 0) throw new StackError(missingServersMessage(missing));
  const servers = locateServers() as { prometheus: string; alertmanager: string };
  let ports: StackPorts;
  try {
    ports = await resolvePorts(options.ports);
  } catch (error) {
    throw error instanceof PortInUseError ? new StackError(error.message) : error;
  }
  const dir = mkdtempSync(join(tmpdir(), 'agent-resilience-stack-'));
  const stack = new Stack(ports, dir, options.onOutput);
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  const { signal } = options;
  try {
    const configs = writeConfigs(dir, ports);
    const { urls } = stack;
    stack.start('webhook', process.execPath, [WEBHOOK_RECEIVER], {
      PORT: String(ports.webhook),
      HOST,
    });
    stack.start('alertmanager', servers.alertmanager, [
      `--config.file=${configs.alertmanager}`,
      `--storage.path=${join(dir, 'alertmanager-data')}`,
      `--web.listen-address=${HOST}:${ports.alertmanager}`,
      `--web.external-url=${urls.alertmanager}/`,
      // No gossip: a single local instance (it would otherwise listen on 0.0.0.0:9094).
      '--cluster.listen-address=',
      '--log.level=warn',
    ]);
    stack.start('prometheus', servers.prometheus, [
      `--config.file=${configs.prometheus}`,
      `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
      `--web.listen-address=${HOST}:${ports.prometheus}`,
      `--web.external-url=${urls.prometheus}/`,
      '--log.level=warn',
    ]);
    await Promise.all([
      stack.waitUp(`${urls.webhook}/healthz`, 'the webhook receiver', timeoutMs, signal),
      stack.waitUp(`${urls.alertmanager}/-/ready`, 'Alertmanager', timeoutMs, signal),
      stack.waitUp(`${urls.prometheus}/-/ready`, 'Prometheus', timeoutMs, signal),
    ]);
    if (signal?.aborted) throw new StackError(INTERRUPTED);
    stack.start(
      'demo',
      process.execPath,
      [
        '--conditions=agent-resilience-source',
        '--import',
        'tsx',
        DEMO_MAIN,
        ...['--host', HOST, '--metrics-port', String(ports.metrics), '--monitor-port', String(ports.monitor)],
        ...['--scenario', options.scenario, '--duration', String(options.durationSeconds)],
        ...(options.loop ? ['--loop'] : []),
        ...(options.quiet ? ['--quiet'] : []),
      ],
      { [MONITOR_TOKEN_ENV]: stack.monitorToken },
    );
    await Promise.all([
      stack.waitUp(urls.metrics, "the demo's /metrics", timeoutMs, signal),
      stack.waitUp(`${urls.monitor}/circuit-breakers`, "the demo's monitoring API", timeoutMs, signal),
    ]);
    return stack;
  } catch (error) {
    await stack.stop();
    if (error instanceof StackError) throw error;
    throw new StackError(`${(error as Error).message}\nLast output:\n${stack.logs()}`);
  }
}
