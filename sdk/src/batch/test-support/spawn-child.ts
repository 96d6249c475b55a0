import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Repository root (where `node_modules/tsx` lives). */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A child process running one of the TypeScript scripts of this folder, read line by line. */
export interface TsChild {
  readonly process: ChildProcess;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** Resolves with the first line (seen or future) matching `test`; rejects after `timeoutMs` or on exit. */
  waitForLine(test: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves once `count(lines)` reaches `n`, or when the child exits (then with false). */
  waitForCount(count: (lines: readonly string[]) => number, n: number): Promise<boolean>;
  /** Resolves with the exit code (or the signal name) once the process has exited and stdout is drained. */
  readonly exited: Promise<number | NodeJS.Signals>;
  stderr(): string;
}

/**
 * Spawns `node --import tsx --conditions=agent-resilience-source <script> ...args` (a script next to this file),
 * so the child runs the SDK from its TypeScript sources exactly as the tests do.
 */
export function spawnTsChild(script: string, args: readonly string[]): TsChild {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=agent-resilience-source', path, ...args],
    {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    },
  );
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const rl = createInterface({ input: child.stdout! });
  rl.on('line', line => {
    lines.push(line);
    for (const l of [...listeners]) l();
  });
  const closed = new Promise<void>(resolve => rl.once('close', resolve));
  let hasExited = false;
  const exited = new Promise<number | NodeJS.Signals>(resolve => {
    child.once('exit', (code, signal) => {
      void closed.then(() => {
        hasExited = true;
        for (const l of [...listeners]) l();
        resolve(code ?? signal ?? -1);
      });
    });
  });
  return {
    process: child,
    lines,
    exited,
    stderr: () => stderr,
    waitForCount(count, n) {
      return new Promise(resolve => {
        const check = (): void => {
          if (count(lines) >= n || hasExited) {
            listeners.delete(check);
            resolve(count(lines) >= n);
          }
        };
        listeners.add(check);
        check();
      });
    },
    waitForLine(test, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = lines.find(test);
          if (found !== undefined) done(() => resolve(found));
          else if (hasExited)
            done(() => reject(new Error(`child exited without the line; stderr: ${stderr}`)));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`timed out waiting for a line; stderr: ${stderr}`))),
          timeoutMs,
        );
        const done = (settle: () => void): void => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
  };
}
