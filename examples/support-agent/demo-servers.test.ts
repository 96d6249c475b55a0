/**
 * The demo's monitoring API always has a bearer token (it switches chaos injection, which must never be possible
 * without one): the user's, or one made up for the run.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from './cli.js';
import { monitorToken } from './demo-servers.js';
import { MONITOR_TOKEN_ENV } from './game-day.js';

describe('the monitoring API token', () => {
  it(`is ${MONITOR_TOKEN_ENV} when set`, () => {
    expect(monitorToken({ [MONITOR_TOKEN_ENV]: 'a-token-of-the-user-42' })).toEqual({
      token: 'a-token-of-the-user-42',
      fromEnv: true,
    });
  });

  it('is made up for the run otherwise: 32 URL-safe characters, new each time', () => {
    const first = monitorToken({});
    expect(first.fromEnv).toBe(false);
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(monitorToken({ [MONITOR_TOKEN_ENV]: '' }).token).not.toBe(first.token);
  });

  it('refuses a variable the API would refuse, without repeating it', () => {
    for (const bad of ['short', 'has a space in it, 0123456789']) {
      expect(() => monitorToken({ [MONITOR_TOKEN_ENV]: bad })).toThrow(UsageError);
      expect(() => monitorToken({ [MONITOR_TOKEN_ENV]: bad })).toThrow(
        `${MONITOR_TOKEN_ENV} must be 16 to 1024 visible ASCII characters (no spaces), got ${bad.length} characters`,
      );
    }
  });
});
