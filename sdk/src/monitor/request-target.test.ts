import { describe, expect, it } from 'vitest';
import { MAX_TARGET_LENGTH, parseRequestTarget } from './request-target.js';

const outcome = (target: string | undefined) => {
  const { path, error } = parseRequestTarget(target);
  return { path, status: error?.status, code: error?.code };
};

describe('parseRequestTarget', () => {
  it.each([
    ['/health', '/health'],
    ['/health/', '/health'],
    ['/health///', '/health'],
    ['/', '/'],
    ['///', '/'],
    ['/health?verbose=1&x=%20', '/health'],
    ['/circuit-breakers/a%2Fb', '/circuit-breakers/a%2Fb'],
    ["/circuit-breakers/o:k_-.~!$&'()*+,;=@", "/circuit-breakers/o:k_-.~!$&'()*+,;=@"],
    ['http://127.0.0.1:9465/health?x', '/health'],
    ['HTTP://[::1]/recovery', '/recovery'],
    ['http://localhost', '/'],
    ['http://localhost?x=1', '/'],
  ])('reads %j as the path %j', (target, path) => {
    expect(outcome(target)).toEqual({ path, status: undefined, code: undefined });
  });

  it.each([
    // no normalisation: each of these is its own (unknown) path, never /health
    ['//evil/health', '//evil/health'],
    ['/health/../health', '/health/../health'],
    ['/%2e%2e/health', '/%2e%2e/health'],
  ])('keeps %j literal', (target, path) => {
    expect(outcome(target).path).toBe(path);
  });

  it.each([
    ['http://[', undefined],
    ['http://x:99999/', undefined],
    ['http://%zz/', undefined],
    ['http://user:pass@localhost/health', undefined],
    ['https://', undefined],
    ['ftp://localhost/health', undefined],
    ['*', undefined],
    ['health', undefined],
    ['/health?x=%zz', '/health'],
    ['/health?%', '/health'],
    ['/health%', '/health%'],
    ['/health#top', '/health'],
    ['/a\\b', '/a\\b'],
    ['/he alth', '/he alth'],
    ['/caf\u00e9', '/caf\u00e9'],
    ['/x\0', '/x\0'],
  ])('refuses %j with 400, still giving the path %j when one is readable', (target, path) => {
    expect(outcome(target)).toEqual({ path, status: 400, code: 'invalid_target' });
  });

  it('refuses a missing or empty target', () => {
    expect(outcome(undefined).status).toBe(400);
    expect(outcome('').status).toBe(400);
  });

  it('refuses a target over the limit with 414 before reading it', () => {
    expect(outcome(`/${'a'.repeat(MAX_TARGET_LENGTH - 1)}`).status).toBeUndefined();
    expect(outcome(`/${'a'.repeat(MAX_TARGET_LENGTH)}`)).toEqual({
      path: undefined,
      status: 414,
      code: 'uri_too_long',
    });
  });

  it('strips only trailing slashes from a long run of them', () => {
    const slashes = '/'.repeat(MAX_TARGET_LENGTH - 1);
    expect(outcome(`${slashes}a`).path).toBe(`${slashes}a`);
    expect(outcome(slashes).path).toBe('/');
  });
});
