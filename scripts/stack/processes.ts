/**
 * Child processes of the local stack. Each runs in its own process group (`detached`), so Ctrl-C in the
 * terminal reaches only the stack script, which then stops the children in order; stopping sends SIGTERM to the
 * whole group, then SIGKILL after a grace period. Output is split into lines, passed to a listener and kept
 * (the last lines) for error messages. If the script itself exits without stopping them, an `exit` hook kills
 * the groups.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const TAIL_LINES = 40;
const running = new Set<ManagedProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort (synchronous): the script is exiting with children still running.
  process.on('exit', () => {
    for (const p of running) p.kill('SIGKILL');
  });
}

export interface ExitInfo {
  readonly name: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface SpawnSpec {
  /** Short name used in messages, e.g. `prometheus`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Called with every line of stdout and stderr. */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export class ManagedProcess {
  readonly name: string;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  private readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private exitInfo: ExitInfo | undefined;

  constructor(spec: SpawnSpec) {
    installExitHook();
    this.name = spec.name;
    this.child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this);
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: this.child[stream]! }).on('line', line => {
        this.lines.push(line);
        if (this.lines.length > TAIL_LINES) this.lines.shift();
        spec.onLine?.(line, stream);
      });
    }
    this.exited = new Promise(resolve => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        running.delete(this);
        this.exitInfo ??= { name: this.name, code, signal };
        resolve(this.exitInfo);
      };
      this.child.once('exit', done);
      this.child.once('error', error => {
        this.lines.push(`failed to start: ${error.message}`);
        done(null, null);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  /** The last lines of output, for error messages. */
  tail(): string {
    return this.lines.map(l => `  ${this.name}| ${l}`).join('\n');
  }

  /** Signals the process group (the process and anything it started). */
  kill(signal: NodeJS.Signals): void {
    if (this.pid === undefined) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // the group is already gone
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  async stop(graceMs = 5_000): Promise<ExitInfo> {
    if (this.exitInfo === undefined) {
      this.kill('SIGTERM');
      const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    // The process may have left children in its group (the group outlives its leader): none may survive.
    this.kill('SIGKILL');
    return this.exited;
  }
}

/** How a process ended, for messages: `exited with code 1` / `was killed by SIGKILL`. */
export function describeExit(info: ExitInfo): string {
  if (info.signal !== null) return `${info.name} was killed by ${info.signal}`;
  return info.code === null ? `${info.name} could not start` : `${info.name} exited with code ${info.code}`;
}
