import { CLASSIFY_DEFAULTS } from './defaults.js';

const REDACTED = '[REDACTED]';

/** Names of secrets passed as `name=value` (query strings, form bodies, env dumps) or as JSON `"name": "value"`. */
const SECRET_NAMES =
  'api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|id[_-]?token|token|key|secret|client[_-]?secret|password';

/** `[pattern, replacement]`, applied in order. Each pattern is global; replacements keep the non-secret part. */
const PATTERNS: readonly (readonly [RegExp, string])[] = [
  // Header lines first, so `Authorization: Bearer <token>` loses scheme and token together.
  [
    /(\b(?:proxy-)?authorization\s*[:=]\s*)(?:(?:Bearer|Basic|Token|Digest|ApiKey)\s+)?[^\s,;'"]+/gi,
    `$1${REDACTED}`,
  ],
  [/(\b(?:x-api-key|api-key|x-goog-api-key)\s*[:=]\s*)[^\s,;'"]+/gi, `$1${REDACTED}`],
  [/\bBearer\s+[A-Za-z0-9._~+/=-]+/gi, `Bearer ${REDACTED}`],
  // Anthropic (`sk-ant-api03-…`), OpenAI (`sk-…`, `sk-proj-…`, `sk-svcacct-…`) and similar `sk-` keys.
  [/\bsk-[A-Za-z0-9_-]{10,}/g, REDACTED],
  // AWS access key ids (long-term `AKIA…`, temporary `ASIA…`).
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, REDACTED],
  // JWTs: a base64url JSON header (`eyJ…`), a payload and an optional signature.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [new RegExp(String.raw`(?<![A-Za-z0-9_-])((?:${SECRET_NAMES})=)[^\s&#"',;]+`, 'gi'), `$1${REDACTED}`],
  [new RegExp(String.raw`(["'](?:${SECRET_NAMES})["']\s*:\s*["'])[^"']+`, 'gi'), `$1${REDACTED}`],
];

/** Control characters (C0, DEL, C1), line/paragraph separators and bidi overrides (log spoofing). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /\s*[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]+\s*/g;

/**
 * Makes an error message safe to log and to put on a span: removes API keys (`sk-…`, `sk-proj-…`, `sk-ant-…`),
 * AWS access key ids, `Bearer` tokens, JWTs, `Authorization:`/`x-api-key:` header values and
 * `api_key=`/`apikey=`/`token=`/`access_token=`/`key=` values; collapses control characters and newlines to
 * single spaces; trims; truncates to 512 characters with an ellipsis. Ordinary text passes unchanged.
 *
 * @example
 * redact('401 Incorrect API key provided: sk-proj-abc123def456ghi789'); // '401 Incorrect API key provided: [REDACTED]'
 */
export function redact(text: string, maxLength: number = CLASSIFY_DEFAULTS.maxMessageLength): string {
  // Bound the regex work on huge messages; everything past this is cut off below anyway.
  let out = String(text).slice(0, maxLength * 8);
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  out = out.replace(CONTROL, ' ').trim();
  return truncate(out, maxLength);
}

/** Cuts `text` to `maxLength` characters, the last being `…`, without splitting a surrogate pair. */
export function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  let end = maxLength - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
