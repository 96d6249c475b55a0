/**
 * What the end-to-end stack tests share (stack.e2e.test.ts, game-day.e2e.test.ts): the local stack of
 * scripts/stack on free loopback ports, the demo's output kept for failure messages, bounded waits that share one
 * budget, and a stop that leaves nothing behind (processes, temp dir, ports), also when vitest is interrupted.
 */
import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import { pollUntil } from '../scripts/stack/poll.js';
import { resolvePorts } from '../scripts/stack/ports.js';
import { type Stack, type StackOptions, startStack } from '../scripts/stack/stack.js';
import { requirePath, SKIP_ENV, type StackBinary, stackBinary } from './stack-binaries.js';

/** The servers an end-to-end stack test runs; `skip` when one is missing and the skip variable is set. */
export function stackServers(file: string): { readonly skip: boolean; readonly require: () => void } {
  const binaries: StackBinary[] = [stackBinary('prometheus'), stackBinary('prometheus-alertmanager')];
  const skip = binaries.some(b => b.skip);
  if (skip) console.warn(`SKIPPING ${file}: Prometheus or Alertmanager is missing and ${SKIP_ENV}=1.`);
  return { skip, require: () => binaries.forEach(requirePath) };
}

export interface HarnessOptions
  extends Pick<StackOptions, 'scenario' | 'durationSeconds' | 'readyTimeoutMs'> {
  /** Budget of all waits after the start, ms. */
  readonly waitBudgetMs: number;
  /** Told each line the demo prints. */
  readonly onDemoLine?: (line: string) => void;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** A started stack for one test file. */
export class StackHarness {
  /** When the waits' budget started (the stack was up), ms since epoch. */
  readonly startedAt = Date.now();
  private readonly deadline: number;

  private constructor(
    readonly stack: Stack,
    private readonly lines: string[],
    waitBudgetMs: number,
    private readonly onSignal: (signal: NodeJS.Signals) => void,
  ) {
    this.deadline = this.startedAt + waitBudgetMs;
  }

  /**
   * Starts the stack (the demo looping its scenario, quietly). Interrupted (Ctrl-C on vitest, a killed worker), it
   * kills the stack at once, then lets the signal do its work; a normal exit goes through {@link stop}, and
   * stack.ts's exit hook backs it up.
   */
  static async start(options: HarnessOptions): Promise<StackHarness> {
    let stack: Stack | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      stack?.killNow();
      process.kill(process.pid, signal);
    };
    for (const signal of SIGNALS) process.once(signal, onSignal);
    const demoLines: string[] = [];
    try {
      stack = await startStack({
        ports: { prometheus: 0, alertmanager: 0, webhook: 0, metrics: 0, monitor: 0 },
        scenario: options.scenario,
        durationSeconds: options.durationSeconds,
        // Looping keeps the demo (and its /metrics) up after its first cycle.
        loop: true,
        quiet: true,
        ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
        onOutput: (source, line) => {
          if (source !== 'demo') return;
          demoLines.push(line);
          options.onDemoLine?.(line);
        },
      });
    } catch (error) {
      for (const signal of SIGNALS) process.off(signal, onSignal);
      throw error;
    }
    return new StackHarness(stack, demoLines, options.waitBudgetMs, onSignal);
  }

  /** The lines the demo printed so far. */
  demoLines(): readonly string[] {
    return this.lines;
  }

  /** Polls `check` every second until it returns a value, within `capMs` and the shared budget. */
  async waitFor<T>(what: string, capMs: number, check: () => Promise<T | undefined>): Promise<T> {
    try {
      return await pollUntil(check, {
        what,
        timeoutMs: Math.max(1_000, Math.min(capMs, this.deadline - Date.now())),
        intervalMs: 1_000,
        abort: () => this.stack.exitError(),
      });
    } catch (error) {
      const demo = this.lines.slice(-30).join('\n');
      throw new Error(
        `${(error as Error).message}\n\nLast demo lines:\n${demo}\n\nStack output:\n${this.stack.logs()}`,
      );
    }
  }

  /** Stops the stack and checks it left nothing behind: temp dir removed, every port free again. */
  async stop(): Promise<void> {
    for (const signal of SIGNALS) process.off(signal, this.onSignal);
    const { dir, ports } = this.stack;
    await this.stack.stop();
    expect(existsSync(dir), `temp dir ${dir} removed`).toBe(false);
    await resolvePorts(ports); // binds each one
  }
}

/** A duration in ms, printed in seconds. */
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
