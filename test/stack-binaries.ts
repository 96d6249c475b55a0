/**
 * Locates the Prometheus and Alertmanager binaries the stack tests run (`promtool`, `amtool`, and the servers
 * `prometheus` and `prometheus-alertmanager` for the end-to-end test). A missing binary makes those tests fail
 * with install instructions, unless AGENT_RESILIENCE_SKIP_STACK_BINARIES=1, in which case they are skipped with a
 * warning. CI installs them.
 */
import { spawnSync } from 'node:child_process';
import { findOnPath, INSTALL_HINT } from '../scripts/stack/binaries.js';

export const SKIP_ENV = 'AGENT_RESILIENCE_SKIP_STACK_BINARIES';

export interface StackBinary {
  readonly name: string;
  /** Absolute path, or undefined when the binary is not on PATH. */
  readonly path: string | undefined;
  /** True when the binary is missing and the tests that need it should be skipped. */
  readonly skip: boolean;
}

export type StackBinaryName = 'promtool' | 'amtool' | 'prometheus' | 'prometheus-alertmanager';

export function stackBinary(name: StackBinaryName): StackBinary {
  // Upstream tarballs name the Alertmanager server `alertmanager`; Debian's package `prometheus-alertmanager`.
  const path =
    findOnPath(name) ?? (name === 'prometheus-alertmanager' ? findOnPath('alertmanager') : undefined);
  const skip = path === undefined && process.env[SKIP_ENV] === '1';
  if (skip) console.warn(`SKIPPING the tests that need \`${name}\`: it is not on PATH and ${SKIP_ENV}=1.`);
  return { name, path, skip };
}

/** The binary's path; throws (failing the test) with install instructions when it is missing. */
export function requirePath(binary: StackBinary): string {
  if (binary.path !== undefined) return binary.path;
  throw new Error(
    `\`${binary.name}\` is not on PATH. Install it with \`${INSTALL_HINT}\` (Debian/Ubuntu), ` +
      `or set ${SKIP_ENV}=1 to skip these tests.`,
  );
}

export interface RunResult {
  readonly status: number | null;
  readonly output: string;
}

/** Runs a binary synchronously and returns its exit status and combined output. */
export function run(binary: StackBinary, args: readonly string[], cwd?: string): RunResult {
  const result = spawnSync(requirePath(binary), args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
