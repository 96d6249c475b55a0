/**
 * A Redis for the demo's fleet when none is given: the `redis-server` on PATH, started on 127.0.0.1 on a free
 * port with a temporary directory and no persistence, stopped (and its directory removed) when the demo exits.
 * It runs in its own process group, so a Ctrl-C in the terminal leaves it to the demo to stop after the replicas.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How long the server may take to answer PING after it starts, ms. */
const START_MS = 10_000;
/** How long it may take to exit after SIGTERM before it is killed, ms. */
const STOP_MS = 3_000;

/** The path of `redis-server` on PATH, or undefined when it is not installed. */
export function findRedisServer(path = process.env.PATH ?? ''): string | undefined {
  const found = spawnSync('/bin/sh', ['-c', 'command -v redis-server'], {
    encoding: 'utf8',
    env: { PATH: path },
  });
  const binary = found.stdout.trim();
  return found.status === 0 && binary !== '' ? binary : undefined;
}

/** A loopback port nothing listens on (it was free a moment ago). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether Redis answers PING on `port` within `waitMs` (each try bounded to 200 ms). */
async function answersPing(port: number, waitMs: number): Promise<boolean> {
  const until = Date.now() + waitMs;
  while (Date.now() < until) {
    const pong = await new Promise<boolean>(resolve => {
      const socket = connect({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(200, () => done(false));
      socket.once('data', data => done(data.toString().startsWith('+PONG')));
      socket.once('error', () => done(false));
    });
    if (pong) return true;
    await new Promise(resolve => setTimeout(resolve, 25));
  }
  return false;
}

/** A redis-server process of the demo's own. */
export class LocalRedisServer {
  /** Resolves once the process has exited. */
  readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly dir: string,
  ) {
    this.exited = new Promise(resolve => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  }

  /** Starts `binary` on a free loopback port; resolves once it answers PING. */
  static async start(binary: string): Promise<LocalRedisServer> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'support-agent-redis-'));
    const child = spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore', detached: true },
    );
    const server = new LocalRedisServer(child, port, dir);
    // A server that cannot start (a port taken meanwhile, a bad binary) exits: no need to wait the full 10 s.
    const failed = new Promise<false>(resolve => {
      child.once('error', () => resolve(false));
      child.once('exit', () => resolve(false));
    });
    if (!(await Promise.race([answersPing(port, START_MS), failed]))) {
      server.kill();
      throw new Error(
        `redis-server (${binary}) did not answer on 127.0.0.1:${port} within ${START_MS / 1000} s`,
      );
    }
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Kills it at once and removes its directory (synchronous: usable in an `exit` handler). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Asks it to exit (SIGTERM), kills it if it has not within 3 s, and removes its directory. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.exited, new Promise(resolve => (timer = setTimeout(resolve, STOP_MS)))]);
      clearTimeout(timer);
    }
    this.kill();
  }
}
