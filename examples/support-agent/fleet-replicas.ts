/**
 * The main process's side of the fleet's replica processes: forks them (fleet-replica.ts, with this process's
 * loader flags, so they run the TypeScript sources as it does), waits until they serve, routes what they send,
 * and stops them (a stop message, then SIGKILL if one has not exited in time). Every wait is bounded.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { UsageError } from './cli.js';
import {
  type FromReplica,
  isFromReplica,
  type ReplicaConfig,
  type ReplicaStatus,
  type ToReplica,
  withInstanceId,
} from './fleet-protocol.js';
import { MONITOR_TOKEN_ENV } from './game-day.js';

const SCRIPT = fileURLToPath(new URL('./fleet-replica.ts', import.meta.url));
/** Longest wait for a replica to serve (loading the SDK, the clients and OpenTelemetry), ms. */
const READY_MS = 60_000;
/** Longest wait for a replica to exit once told to stop (it drains its answers first), ms. */
const STOP_MS = 20_000;

/** Where a replica serves. */
export interface ReplicaEndpoints {
  readonly metricsUrl: string | undefined;
  readonly monitorUrl: string;
}

/** One replica process. */
export class ReplicaProcess {
  /** Its latest status (every second, and on request). */
  status: ReplicaStatus | undefined;
  private readonly statusWaiters = new Set<() => void>();
  private stopping = false;
  private readonly exited: Promise<void>;

  private constructor(
    readonly index: number,
    readonly instanceId: string,
    private readonly child: ChildProcess,
    onMessage: (replica: ReplicaProcess, message: FromReplica) => void,
    onExit: (replica: ReplicaProcess, code: number | null, signal: string | null) => void,
  ) {
    child.on('message', message => {
      if (!isFromReplica(message)) return;
      if (message.kind === 'status') {
        const { kind: _, ...status } = message;
        this.status = status;
        for (const waiter of [...this.statusWaiters]) waiter();
      }
      onMessage(this, message);
    });
    this.exited = new Promise(resolve =>
      child.once('exit', (code, signal) => {
        for (const waiter of [...this.statusWaiters]) waiter();
        if (!this.stopping) onExit(this, code, signal);
        resolve();
      }),
    );
  }

  /**
   * Forks replica `config.index` (its service.instance.id is `support-agent-<index>-<random>`); its monitoring API
   * asks for `monitorToken` (passed in its environment: a command line is visible to every local user).
   */
  static fork(
    config: Omit<ReplicaConfig, 'instanceId'>,
    monitorToken: string,
    onMessage: (replica: ReplicaProcess, message: FromReplica) => void,
    onExit: (replica: ReplicaProcess, code: number | null, signal: string | null) => void,
  ): ReplicaProcess {
    const instanceId = `support-agent-${config.index}-${randomUUID().slice(0, 8)}`;
    const child = fork(SCRIPT, [JSON.stringify({ ...config, instanceId })], {
      env: {
        ...process.env,
        OTEL_RESOURCE_ATTRIBUTES: withInstanceId(process.env.OTEL_RESOURCE_ATTRIBUTES, instanceId),
        [MONITOR_TOKEN_ENV]: monitorToken,
      },
      // The replicas print nothing of their own (the main process reports); their errors reach the terminal.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'json',
    });
    return new ReplicaProcess(config.index, instanceId, child, onMessage, onExit);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.child.connected;
  }

  /** Resolves where it serves once it is ready; rejects with its error if it fails to start or takes too long. */
  ready(): Promise<ReplicaEndpoints> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`replica ${this.index} did not start within ${READY_MS / 1000} s`)),
        READY_MS,
      );
      const settle = (done: () => void) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        done();
      };
      const onMessage = (message: unknown) => {
        if (!isFromReplica(message)) return;
        if (message.kind === 'ready') settle(() => resolve(message));
        else if (message.kind === 'failed') {
          const error = message.usage ? new UsageError(message.message) : new Error(message.message);
          settle(() => reject(error));
        }
      };
      const onExit = (code: number | null) =>
        settle(() => reject(new Error(`replica ${this.index} exited (code ${code}) before it was ready`)));
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }

  send(message: ToReplica): boolean {
    if (!this.alive) return false;
    this.child.send(message);
    return true;
  }

  /** Asks for its status now; resolves once it comes (or after `timeoutMs`, or its exit: then the last known). */
  async statusNow(timeoutMs = 2_000): Promise<ReplicaStatus | undefined> {
    if (!this.send({ kind: 'status' })) return this.status;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>(resolve => {
      const done = () => {
        clearTimeout(timer);
        this.statusWaiters.delete(done);
        resolve();
      };
      this.statusWaiters.add(done);
      timer = setTimeout(done, timeoutMs);
    });
    return this.status;
  }

  /** Tells it to stop, and kills it if it has not exited within 20 s. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (!this.send({ kind: 'stop' })) this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise(resolve => (timer = setTimeout(resolve, STOP_MS)))]);
    clearTimeout(timer);
    this.kill();
  }

  /** Kills it at once (synchronous: usable in an `exit` handler). */
  kill(): void {
    this.stopping = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
