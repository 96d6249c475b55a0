/**
 * A real Redis for tests: Debian's `redis-server` (7.0) started as a plain process on 127.0.0.1, on a free port,
 * with a temporary directory and no persistence. It can be killed (SIGKILL) and started again on the same port,
 * as an outage does. Missing binary: the test fails with the install command (CI installs it, see .ci/run).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from './ports.js';

const BINARY = 'redis-server';

/** Whether `redis-server` is on PATH. */
function binaryPath(): string {
  const found = spawnSync('sh', ['-c', `command -v ${BINARY}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    throw new Error(
      `\`${BINARY}\` is not on PATH. Install it with \`apt-get install -y redis-server\` (Debian/Ubuntu).`,
    );
  }
  return path;
}

/** Sends PING until Redis answers PONG, up to `waitMs` (each try bounded; no sleeps beyond the retry pace). */
async function answers(port: number, waitMs: number): Promise<boolean> {
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
    await new Promise(resolve => setTimeout(resolve, 20));
  }
  return false;
}

/** A local redis-server process. */
export class LocalRedis {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly binary: string,
  ) {}

  /** Starts a redis-server on a free loopback port; resolves once it answers PING. */
  static async start(): Promise<LocalRedis> {
    const redis = new LocalRedis(
      await freeLoopbackPort(),
      mkdtempSync(join(tmpdir(), 'ar-redis-')),
      binaryPath(),
    );
    await redis.restart();
    return redis;
  }

  /** `redis://127.0.0.1:<port>`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server again on the same port (after {@link kill}); resolves once it answers. */
  async restart(): Promise<void> {
    const child = spawn(
      this.binary,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    );
    this.process = child;
    if (!(await answers(this.port, 10_000))) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not answer on 127.0.0.1:${this.port} within 10 s`);
    }
  }

  /** Kills the server at once (SIGKILL), as a crash does; resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise(resolve => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Kills the server and removes its directory. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
