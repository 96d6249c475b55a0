import { describe, expect, it } from 'vitest';
import { looksSecret, redact, truncate } from './redact.js';
import { openaiMessageOfBody, SECRET_FORMS } from './test-support/secret-forms.js';

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

  // Issue 8, defect 3: quoted and embedded forms that reached classifications, spans, errors and files.
  it.each([
    [
      'openai APIError of an error body without message (JSON-encoded body)',
      openaiMessageOfBody({ 'x-api-key': 'k-123', detail: 'bad key' }),
      '401 {"x-api-key":"[REDACTED]","detail":"bad key"}',
    ],
    ['JSON x-api-key', '{"x-api-key":"k-123"}', '{"x-api-key":"[REDACTED]"}'],
    ['JSON api-key, spaced', '{ "api-key" : "k-123" }', '{ "api-key" : "[REDACTED]" }'],
    ['JSON authorization', '{"authorization":"Bearer k-123"}', '{"authorization":"[REDACTED]"}'],
    [
      'JSON subscription key',
      '{"Ocp-Apim-Subscription-Key":"k1"}',
      '{"Ocp-Apim-Subscription-Key":"[REDACTED]"}',
    ],
    ['JSON password with an escaped quote', '{"password":"p\\"w"}', '{"password":"[REDACTED]"}'],
    [
      'JSON aws_secret_access_key',
      '{"aws_secret_access_key":"wJal/K7M"}',
      '{"aws_secret_access_key":"[REDACTED]"}',
    ],
    ['JSON cookie', '{"cookie":"sid=abc; theme=dark"}', '{"cookie":"[REDACTED]"}'],
    [
      'JSON set-cookie list',
      '{"set-cookie":["sid=abc; Path=/","b=1"],"x":1}',
      '{"set-cookie":[REDACTED],"x":1}',
    ],
    ['JSON in a JSON string', '"{\\"x-api-key\\":\\"k\\\\\\"1\\"}"', '"{\\"x-api-key\\":\\"[REDACTED]\\"}"'],
    [
      'JSON in a JSON string in a JSON string',
      JSON.stringify({ detail: JSON.stringify(JSON.stringify({ 'x-api-key': 'k"1' })) }),
      JSON.stringify({ detail: JSON.stringify('{"x-api-key":"[REDACTED]"}') }),
    ],
    [
      'header lines in a JSON string',
      JSON.stringify('x-api-key: k1\r\npassword: p2\r\nHost: a'),
      JSON.stringify('x-api-key: [REDACTED]\r\npassword: [REDACTED]\r\nHost: a'),
    ],
    [
      "single-quoted 'x-api-key'",
      "{ 'x-api-key': 'k-123', accept: 'json' }",
      "{ 'x-api-key': '[REDACTED]', accept: 'json' }",
    ],
    ['inspected { token }', "{ token: 'a b' }", "{ token: '[REDACTED]' }"],
    ['bare name, quoted value', 'api_key="a b"', 'api_key="[REDACTED]"'],
    [
      'URL user:password',
      'GET https://user:p4ss@api.example.com/v1',
      'GET https://[REDACTED]@api.example.com/v1',
    ],
    ['URL key as user', 'wss://k-123@rt.example.com/x', 'wss://[REDACTED]@rt.example.com/x'],
    ['URL password with @', 'redis://:p@ss@cache:6379', 'redis://[REDACTED]@cache:6379'],
    ['password: x', 'login failed, password: hunter2', 'login failed, password: [REDACTED]'],
    ['password=x', 'db password=hunter2 host=db', 'db password=[REDACTED] host=db'],
    ['aws_secret_access_key=', 'aws_secret_access_key=wJal/K7M+x', 'aws_secret_access_key=[REDACTED]'],
    ['env AWS_SECRET_ACCESS_KEY:', 'AWS_SECRET_ACCESS_KEY: wJal/K7M', 'AWS_SECRET_ACCESS_KEY: [REDACTED]'],
    ['env OPENAI_API_KEY=', 'OPENAI_API_KEY=abc123', 'OPENAI_API_KEY=[REDACTED]'],
    ['Cookie: whole value', 'Cookie: sid=abc; theme=dark\nnext', 'Cookie: [REDACTED] next'],
    [
      'Set-Cookie: whole value',
      'Set-Cookie: id=a3f; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly',
      'Set-Cookie: [REDACTED]',
    ],
    [
      'Ocp-Apim-Subscription-Key:',
      'Ocp-Apim-Subscription-Key: 0123abcd',
      'Ocp-Apim-Subscription-Key: [REDACTED]',
    ],
    ['x-api-key:', 'x-api-key: k-123', 'x-api-key: [REDACTED]'],
    ['api-key:', 'api-key: k-123', 'api-key: [REDACTED]'],
    ['X-Goog-Api-Key:', 'X-Goog-Api-Key: k-123', 'X-Goog-Api-Key: [REDACTED]'],
    ['x-api-key: with a scheme', 'x-api-key: Bearer k-123', 'x-api-key: [REDACTED]'],
    [
      'client_secret=',
      'grant_type=x&client_secret=abc&scope=y',
      'grant_type=x&client_secret=[REDACTED]&scope=y',
    ],
    ['Google API key', 'key AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe ok', 'key [REDACTED] ok'],
    ['JWT after a dash', 'jwt:eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig', 'jwt:[REDACTED]'],
    [
      'an empty value followed by another header line',
      'password: \nx-api-key: k-123',
      'password: x-api-key: [REDACTED]',
    ],
    ['Bearer before a secret name', 'Bearer password: hunter2', 'Bearer password: [REDACTED]'],
  ])('removes a %s', (_label, input, output) => {
    expect(redact(input)).toBe(output);
  });

  it.each(SECRET_FORMS.map(form => [form.name, form] as const))(
    'removes the example secret of %s',
    (_name, { embed, example }) => {
      const out = redact(`before ${embed(example)} after`);
      expect(out).not.toContain(example);
      expect(out).toContain('[REDACTED]');
    },
  );

  it.each([
    '429 Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM). Please try again in 1.5s.',
    "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
    'connect ECONNREFUSED 127.0.0.1:443',
    'task-manager sk-short monkey=banana api.openai.com a.b.c',
    'Ünïcödé and emoji 🚀 survive',
    'Missing key: model. Use max_tokens: 4096, see https://platform.openai.com/docs or mail ops@example.com',
    'the token: expired',
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

describe('looksSecret', () => {
  it.each([
    ['sk-proj-Ab12Cd34Ef56Gh78Ij90', true],
    ['AKIAIOSFODNN7EXAMPLE', true],
    ['token=abc', true],
    ['rate_limit_exceeded', false],
    ['invalid_api_key', false],
    ['RateLimitError', false],
    ['api_key=[REDACTED]', false],
  ])('%j → %s', (text, secret) => {
    expect(looksSecret(text)).toBe(secret);
  });
});
