/**
 * The forms in which a secret reaches an error message (issue 8, defect 3), each with the secrets it can carry
 * whole (a fast-check arbitrary) and a fixed example. Shared by the redaction tests (table and property) and the
 * end-to-end secrets test.
 */
import fc from 'fast-check';
import * as openai from './openai.js';

/** One way of embedding a secret in text. */
export interface SecretForm {
  readonly name: string;
  /** Secrets this form can carry whole (an unquoted value cannot contain a space, a quoted one its quote). */
  readonly secrets: fc.Arbitrary<string>;
  readonly embed: (secret: string) => string;
  /** A secret of this form, for example-based tests. */
  readonly example: string;
}

/** Characters of a bearer token (RFC 6750 `b64token`) and most API keys. */
const TOKEN = '-A-Za-z0-9._~+/=';
/** Characters of an unquoted value (a password in a header line or a query string). */
const BARE = `${TOKEN}!@$%^*()\\[\\]{}<>|?:`;
/** Characters of a single-quoted value. */
const SINGLE_QUOTED = `${BARE} ",;&#`;
/** Characters of a double-quoted value (not JSON-escaped). */
const DOUBLE_QUOTED = `${BARE} ',;&#`;
/** Characters of a URL password (RFC 3986 `userinfo`). */
const USERINFO = "\\-A-Za-z0-9._~!$&'()*+,;=%:";
/** Characters of a cookie value (RFC 6265 `cookie-octet`). */
const COOKIE = "!#$%&'()*+\\-./0-9:<=>?@A-Z\\[\\]^_`a-z{|}~";

const chars = (alphabet: string) => fc.stringMatching(new RegExp(`^[${alphabet}]{12,40}$`));
/** Any text (JSON-escaped where it is embedded); `…` (U+2026) cannot start a value: it marks a truncation. */
const anyText = fc.string({ unit: 'binary', minLength: 12, maxLength: 40 }).filter(s => !s.startsWith('…'));

const EXAMPLE = 'S3cr3t-Ex4mple_v4lue.0123456789';
const json = JSON.stringify;

/** The message of the real `openai` 7.x `APIError` for an error body without `message`: the body, JSON-encoded. */
export const openaiMessageOfBody = (body: Record<string, unknown>): string =>
  new openai.APIError(401, body, undefined, new Headers()).message;

const form = (
  name: string,
  secrets: fc.Arbitrary<string>,
  embed: (secret: string) => string,
): SecretForm => ({
  name,
  secrets,
  embed,
  example: EXAMPLE,
});

/** A secret recognised by its shape alone (`sk-…`, `AKIA…`, a JWT), embedded as it is. */
const shaped = (name: string, pattern: RegExp, example: string): SecretForm => ({
  name,
  secrets: fc.stringMatching(pattern),
  embed: secret => secret,
  example,
});

/** Every form the issue lists, plus the ones redaction already handled. */
export const SECRET_FORMS: readonly SecretForm[] = [
  form('openai APIError of a body without message', anyText, s => openaiMessageOfBody({ 'x-api-key': s })),
  form('JSON "x-api-key"', anyText, s => `{"x-api-key":${json(s)}}`),
  form('JSON "api-key"', anyText, s => `{"api-key": ${json(s)}}`),
  form('JSON "authorization"', anyText, s => `{"authorization":${json(`Bearer ${s}`)}}`),
  form('JSON "Ocp-Apim-Subscription-Key"', anyText, s => `{"Ocp-Apim-Subscription-Key":${json(s)}}`),
  form('JSON "password"', anyText, s => `{"user":"bob","password":${json(s)}}`),
  form('JSON "aws_secret_access_key"', anyText, s => `{"aws_secret_access_key":${json(s)}}`),
  form('JSON "cookie"', anyText, s => `{"cookie":${json(`session=${s}; theme=dark`)}}`),
  form('JSON "set-cookie" list', anyText, s => `{"set-cookie":[${json(`id=${s}; Path=/`)},"b=1"]}`),
  form('JSON in a JSON string', anyText, s => json(json({ headers: { 'x-api-key': s } }))),
  form('header lines in a JSON string', chars(BARE), s => json(`Accept: json\r\nx-api-key: ${s}\r\nHost: a`)),
  form("single-quoted 'x-api-key'", chars(SINGLE_QUOTED), s => `{ 'x-api-key': '${s}', accept: 'json' }`),
  form('inspected { token: … }', chars(SINGLE_QUOTED), s => `{ token: '${s}' }`),
  form('bare key, double-quoted value', chars(DOUBLE_QUOTED), s => `api_key="${s}"`),
  form('URL user:password', chars(USERINFO), s => `https://user:${s}@api.example.com/v1`),
  form('URL key as user', chars(USERINFO), s => `wss://${s}@realtime.example.com`),
  form('password: x', chars(BARE), s => `password: ${s}`),
  form('password=x', chars(BARE), s => `password=${s}`),
  form('aws_secret_access_key=', chars(BARE), s => `aws_secret_access_key=${s}`),
  form('AWS_SECRET_ACCESS_KEY: (env)', chars(BARE), s => `AWS_SECRET_ACCESS_KEY: ${s}`),
  form('OPENAI_API_KEY= (env)', chars(BARE), s => `OPENAI_API_KEY=${s}`),
  form('Cookie:', chars(COOKIE), s => `Cookie: session=${s}; theme=dark`),
  form(
    'Set-Cookie:',
    chars(COOKIE),
    s => `Set-Cookie: id=${s}; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly`,
  ),
  form('Ocp-Apim-Subscription-Key:', chars(BARE), s => `Ocp-Apim-Subscription-Key: ${s}`),
  form('x-api-key:', chars(BARE), s => `x-api-key: ${s}`),
  form('api-key:', chars(BARE), s => `api-key: ${s}`),
  form('X-Goog-Api-Key:', chars(BARE), s => `X-Goog-Api-Key: ${s}`),
  form('authorization: Bearer', chars(TOKEN), s => `authorization: Bearer ${s}`),
  form('Proxy-Authorization: Basic', chars(TOKEN), s => `Proxy-Authorization: Basic ${s}`),
  form('api_key= query', chars(BARE), s => `GET /v1/models?api_key=${s}&limit=2`),
  form('token= query', chars(BARE), s => `GET /stream?token=${s}`),
  form('client_secret= form body', chars(BARE), s => `grant_type=client_credentials&client_secret=${s}`),
  form('Bearer', chars(TOKEN), s => `sent Bearer ${s} upstream`),
  shaped('OpenAI key', /^sk-proj-[A-Za-z0-9_-]{20,60}$/, 'sk-proj-Ab12Cd34Ef56Gh78Ij90'),
  shaped('Anthropic key', /^sk-ant-api03-[A-Za-z0-9_-]{20,60}$/, 'sk-ant-api03-Zz99Yy88Xx77Ww66'),
  shaped('AWS access key id', /^(?:AKIA|ASIA)[A-Z0-9]{16}$/, 'AKIAIOSFODNN7EXAMPLE'),
  shaped('Google API key', /^AIza[A-Za-z0-9_-]{35}$/, 'AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe'),
  shaped(
    'JWT',
    /^eyJ[A-Za-z0-9_-]{5,40}\.[A-Za-z0-9_-]{5,60}\.[A-Za-z0-9_-]{0,60}$/,
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  ),
];
