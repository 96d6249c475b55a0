import { describe, expect, it } from 'vitest';
import { redact, truncate } from './redact.js';

describe('redact', () => {
  it.each([
    [
      'OpenAI key',
      'Incorrect API key provided: sk-abcdefghijklmnop1234.',
      'Incorrect API key provided: [REDACTED].',
    ],
    ['OpenAI project key', 'key sk-proj-AbC123_dEf456-GhI789jKl0 rejected', 'key [REDACTED] rejected'],
    [
      'Anthropic key',
      'x-api-key sk-ant-api03-AAAAbbbbCCCCdddd-eeee_ffff invalid',
      'x-api-key [REDACTED] invalid',
    ],
    ['AWS access key id', 'creds AKIAIOSFODNN7EXAMPLE expired', 'creds [REDACTED] expired'],
    ['AWS temporary key id', 'creds ASIAY34FZKBOKMUTVV7A expired', 'creds [REDACTED] expired'],
    ['Bearer token', 'sent Bearer abc.DEF-123_~+/= to server', 'sent Bearer [REDACTED] to server'],
    [
      'JWT',
      'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ok',
      'token [REDACTED] ok',
    ],
    [
      'api_key query value',
      'GET https://x.io/v1?api_key=s3cr3t&model=a',
      'GET https://x.io/v1?api_key=[REDACTED]&model=a',
    ],
    ['apikey query value', 'GET /v1?apikey=s3cr3t', 'GET /v1?apikey=[REDACTED]'],
    ['token query value', 'GET /v1?x=1&token=abc123', 'GET /v1?x=1&token=[REDACTED]'],
    ['access_token query value', '/cb?access_token=ya29.a0Af', '/cb?access_token=[REDACTED]'],
    [
      'key query value',
      'https://generativelanguage.googleapis.com/v1?key=AIzaSyA-1',
      'https://generativelanguage.googleapis.com/v1?key=[REDACTED]',
    ],
    [
      'JSON secret field',
      '{"api_key": "s3cr3t", "model": "gpt"}',
      '{"api_key": "[REDACTED]", "model": "gpt"}',
    ],
    [
      'Authorization header',
      'headers: Authorization: Basic dXNlcjpwYXNz; accept',
      'headers: Authorization: [REDACTED]; accept',
    ],
    ['Authorization bearer header', 'Authorization: Bearer tok_123', 'Authorization: [REDACTED]'],
  ])('removes a %s', (_label, input, output) => {
    expect(redact(input)).toBe(output);
  });

  it.each([
    '429 Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM). Please try again in 1.5s.',
    "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
    'connect ECONNREFUSED 127.0.0.1:443',
    'task-manager sk-short monkey=banana api.openai.com a.b.c',
    'Ünïcödé and emoji 🚀 survive',
  ])('leaves ordinary text unchanged: %s', text => {
    expect(redact(text)).toBe(text);
  });

  it('collapses control characters and newlines to single spaces (log injection)', () => {
    expect(redact('line one\r\n\tline two\u0000\u001b[31m\u2028end')).toBe('line one line two [31m end');
    expect(redact('fake\nINFO admin logged in')).toBe('fake INFO admin logged in');
    expect(redact('bidi \u202Eevil')).toBe('bidi evil');
  });

  it('redacts a secret that spans a header line before collapsing it', () => {
    expect(redact('Authorization: Bearer abc\nnext')).toBe('Authorization: [REDACTED] next');
  });

  it('trims', () => {
    expect(redact('  \n padded \t ')).toBe('padded');
  });

  it('truncates to 512 characters with an ellipsis', () => {
    const out = redact('a'.repeat(600));
    expect(out).toHaveLength(512);
    expect(out.endsWith('a…')).toBe(true);
    expect(redact('b'.repeat(512))).toBe('b'.repeat(512));
  });

  it('redacts before truncating, so no key prefix survives at the cut', () => {
    const out = redact(`${'x'.repeat(500)} sk-proj-abcdefghijklmnopqrstuvwxyz`);
    expect(out).not.toContain('sk-proj');
    expect(out).toContain('[REDACTED]');
  });

  it('never splits a surrogate pair when truncating', () => {
    const out = truncate(`${'a'.repeat(9)}🚀rest`, 11);
    expect(out).toBe(`${'a'.repeat(9)}…`);
  });

  it('accepts a non-string at runtime', () => {
    expect(redact(42 as unknown as string)).toBe('42');
  });
});
