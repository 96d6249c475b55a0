/**
 * Child process of the takeover race test (`file-lock.process.test.ts`), driven line by line over stdin:
 * - `go <round>`: tries to take the lock; prints `held <round> <token on disk>` (its own token when it really holds
 *   the lock), `refused <round> <error name>` (a `BatchLockedError`) or `error <round> <name> <message>`;
 * - `release <round>`: releases a lock it holds; prints `released <round>`;
 * - `step`: lets its pending file-system call run.
 * Every `node:fs/promises` call on the lock's directory first prints `wait <call>` and waits for a `step` line,
 * so the test decides the order in which the racers' file-system calls run (the only state they share): a seeded
 * schedule replays the same interleaving every time. Calls on this racer's own temporary files
 * (`<lock>.new-<its pid>-…`, which no live process touches) and elsewhere (the TypeScript loader's cache) need no
 * turn. Timers fire at once: a racer waiting for another one to finish a takeover simply makes its next call
 * when the scheduler lets it.
 * Run: node --import tsx --conditions=agent-resilience-source lock-racer.ts <lockPath> <statePath>
 */
import { readFileSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { dirname, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { BatchLockedError } from '../errors.js';
import { acquireFileLock, type FileLock } from '../file-lock.js';

const [lockPath, statePath] = process.argv.slice(2) as [string, string];
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** A call needs a turn when it touches a file of the lock's directory other than this racer's temporary files. */
const shared = `${dirname(lockPath)}${sep}`;
const ownTemp = `${lockPath}.new-${process.pid}-`;
const needsTurn = (args: unknown[]): boolean =>
  args.some(a => typeof a === 'string' && (a === dirname(lockPath) || a.startsWith(shared))) &&
  !args.every(a => typeof a !== 'string' || a.startsWith(ownTemp));

let allowStep: (() => void) | undefined;
const calls = fsp as unknown as Record<string, unknown>;
for (const [name, original] of Object.entries(calls)) {
  if (typeof original !== 'function') continue;
  calls[name] = async (...args: unknown[]) => {
    if (needsTurn(args))
      await new Promise<void>(resolve => {
        allowStep = resolve;
        say(`wait ${name}`);
      });
    return (original as (...a: unknown[]) => Promise<unknown>)(...args);
  };
}
// The lock code is loaded already (loading it must not wait for turns); its `node:fs/promises` bindings are live.
syncBuiltinESMExports();
const realSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = ((callback: () => void) => realSetTimeout(callback, 0)) as typeof setTimeout;

let held: FileLock | undefined;

const tokenOnDisk = (): string => {
  try {
    return String(JSON.parse(readFileSync(lockPath, 'utf8')).token);
  } catch {
    return 'none';
  }
};

async function go(round: string): Promise<string> {
  try {
    held = await acquireFileLock(lockPath, statePath, () => {});
    return `held ${round} ${tokenOnDisk()}`;
  } catch (error) {
    const e = error as Error;
    if (BatchLockedError.isInstance(e)) return `refused ${round} ${e.name}`;
    return `error ${round} ${e.name} ${e.message.replace(/\n/g, ' ')}`;
  }
}

async function release(round: string): Promise<string> {
  await held?.release();
  held = undefined;
  return `released ${round}`;
}

createInterface({ input: process.stdin }).on('line', line => {
  const [command, round = ''] = line.split(' ');
  if (command === 'step') {
    const step = allowStep;
    allowStep = undefined;
    step?.();
  } else if (command === 'go') void go(round).then(say);
  else if (command === 'release') void release(round).then(say);
});
