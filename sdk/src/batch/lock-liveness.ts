import { hostname } from 'node:os';
import type { LockContent } from './lock-file.js';

/** When this process started, in epoch ms (stable to well under a second). */
export const PROCESS_STARTED_AT = Math.round(Date.now() - process.uptime() * 1000);

/** Whether `pid` is a running process (EPERM: it exists but belongs to another user). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This very process: another worker thread, or a copy of the package that does not share our registry. */
export const isThisProcess = (holder: LockContent): boolean =>
  holder.hostname === hostname() &&
  holder.pid === process.pid &&
  Math.abs(holder.processStartedAt - PROCESS_STARTED_AT) < 2_000;

/**
 * Whether the process that wrote a lock (or takeover) file is gone. Only holders on this host can be judged: one
 * on another host (a shared volume) is always treated as alive. A holder with this process's pid but another
 * start time is an earlier process that had the same pid (containers restart as pid 1): gone.
 */
export function isDead(holder: LockContent): boolean {
  if (holder.hostname !== hostname()) return false;
  if (holder.pid === process.pid) return !isThisProcess(holder);
  return !isRunning(holder.pid);
}
