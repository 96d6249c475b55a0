/**
 * The demo's own redis-server (Debian's `redis-server` on PATH; CI installs it): started on a free loopback port
 * with a temporary directory, answering commands, and gone (process and directory) once stopped or killed.
 */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { findRedisServer, LocalRedisServer } from './fleet-redis.js';

/** Sends one inline command and resolves with the first line of the answer (or the connection error's code). */
function command(port: number, line: string): Promise<string> {
  return new Promise(resolve => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(`${line}\r\n`));
    socket.setTimeout(2_000, () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('data', data => {
      socket.destroy();
      resolve(data.toString().split('\r\n')[0]!);
    });
    socket.once('error', error => resolve((error as NodeJS.ErrnoException).code ?? 'error'));
  });
}

/** A configuration value of the server (`CONFIG GET name`). */
async function config(port: number, name: string): Promise<string> {
  return new Promise(resolve => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(`CONFIG GET ${name}\r\n`));
    let answer = '';
    socket.on('data', data => {
      answer += data.toString();
      // *2 $<n> <name> $<n> <value>
      const parts = answer.split('\r\n');
      if (parts.length >= 5) {
        socket.destroy();
        resolve(parts[4]!);
      }
    });
  });
}

describe('the fleet demo’s local redis-server', () => {
  it('is found on PATH, and not found on a PATH without it', () => {
    expect(findRedisServer()).toMatch(/redis-server$/);
    expect(findRedisServer('/nonexistent')).toBeUndefined();
  });

  it('serves on 127.0.0.1 with no persistence, and stop() ends it and removes its directory', async () => {
    const redis = await LocalRedisServer.start(findRedisServer()!);
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await command(redis.port, 'SET demo 1')).toBe('+OK');
    expect(await config(redis.port, 'save')).toBe('');
    expect(await config(redis.port, 'appendonly')).toBe('no');
    expect(await config(redis.port, 'bind')).toBe('127.0.0.1');
    const dir = await config(redis.port, 'dir');
    expect(existsSync(dir)).toBe(true);
    await redis.stop();
    expect(await command(redis.port, 'PING')).toBe('ECONNREFUSED');
    expect(existsSync(dir)).toBe(false);
  });

  it('kill() ends it at once (for an exit handler)', async () => {
    const redis = await LocalRedisServer.start(findRedisServer()!);
    redis.kill();
    await redis.exited;
    expect(await command(redis.port, 'PING')).toBe('ECONNREFUSED');
  });

  it('fails with the binary named when it cannot start', async () => {
    await expect(LocalRedisServer.start('/bin/false')).rejects.toThrow(
      /redis-server \(\/bin\/false\) did not answer on 127\.0\.0\.1:\d+ within 10 s/,
    );
  });
});
