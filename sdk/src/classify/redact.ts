import { prefix } from './bounded.js';
import { CLASSIFY_DEFAULTS } from './defaults.js';

const REDACTED = '[REDACTED]';

/*
 * Every pattern below fails or matches in time linear in the text: a match can start only at the first character
 * of a name or token (a lookbehind refuses the others), and no two quantifiers compete for the same characters.
 * `…` never starts a value: it marks where a redacted text was cut, so redacting the output again changes nothing.
 */

/** The last word of a parameter or header name whose value is a secret. */
const SECRET_WORD = 'api[_-]?key|apikey|secret|password|passwd|pwd|token|key';
/** A name made of words joined by `_`/`-` ending in a secret word: `OPENAI_API_KEY`, `Ocp-Apim-Subscription-Key`. */
const NAME = `(?:[A-Za-z0-9]+[_-])*(?:${SECRET_WORD})`;
/** Names that are secret in `name=value` and quoted forms only: in prose, "key: value" and "token: 4096" are not. */
const WEAK_NAMES = new Set(['key', 'token']);
/**
 * An optional quote around a name: `"x-api-key"`, `'x-api-key'`, or `\"x-api-key\"`, `\\\"x-api-key\\\"` in a
 * JSON string (inside a JSON string).
 */
const QUOTED = String.raw`(?:\\*["'])?`;
/**
 * A name starts a word: no `[A-Za-z0-9_-]` before it (`x-api-key` is one name, not `api-key`), nor a backslash
 * (a run of them is read from its first), unless it is an escaped line break (`\nx-api-key:` in a JSON string).
 */
const START = String.raw`(?:(?<![A-Za-z0-9_\\-])|(?<=\\[nrt]))`;
/** `name:` or `name=`, the name maybe quoted; captures the whole head, then the separator. */
const assignment = (name: string) => String.raw`${START}(${QUOTED}(?:${name})${QUOTED}\s*([:=])\s*)`;
/** Another assignment where a value should be (`password: \nx-api-key: …`): not a value, its own match. */
const NOT_A_NAME = String.raw`(?!…|${QUOTED}${NAME}${QUOTED}\s*[:=])`;

/**
 * Quoted values, contents only: `"…"` (a JSON string), `'…'`, and `\"…\"` (a JSON string inside a JSON string,
 * or deeper), which ends at a quote behind as many backslashes as opened it.
 */
const QUOTED_VALUE = [
  String.raw`"(?!…)(?:[^"\\\r\n]|\\[^\r\n])+`,
  String.raw`'(?!…)(?:[^'\\\r\n]|\\[^\r\n])+`,
  String.raw`(?<escapes>\\+)"(?!…)(?:[^"\\]|(?!\k<escapes>")\\+"?)+`,
].join('|');
/** A value redacted already: kept as it is, so redacting twice changes nothing. */
const REDACTED_VALUE = String.raw`\[REDACTED\]`;
/** A list of quoted strings (a JSON `set-cookie` header), replaced whole. */
const STRING = String.raw`(?:"(?:[^"\\\r\n]|\\[^\r\n])*"?|'(?:[^'\\\r\n]|\\[^\r\n])*'?)`;
const LIST_VALUE = String.raw`\[\s*${STRING}(?:\s*,\s*${STRING})*\s*\]?`;
/** An escaped line break in a JSON string (`\n`, `\r`): ends an unquoted value like a real one. */
const ESCAPED_BREAK = String.raw`\\[nr]`;
/**
 * An unquoted value: an optional auth scheme and one token, up to a space, `&`, `#`, a quote, `,`, `;` or an
 * escaped line break.
 */
const TOKEN_VALUE = String.raw`${NOT_A_NAME}(?:(?:Bearer|Basic|Token|Digest|ApiKey)\s+${NOT_A_NAME})?(?:(?!${ESCAPED_BREAK})[^\s&#"',;…])+`;
/** The rest of the line (a `Cookie:` value): whatever it holds is redacted with it. */
const LINE_VALUE = '(?!…)[^\\r\\n…]+';

/** Replaces the value after `head`, keeping its opening quote (the closing one is not part of the match). */
function redactValue(head: string | undefined, value: string | undefined): string {
  const quote = /^(?:\\*"|')/.exec(value ?? '')?.[0] ?? '';
  return `${head ?? ''}${quote}${REDACTED}`;
}

/** A `replace` callback: the match, then the capture groups (`undefined` when a group did not take part). */
type Replacer = (match: string, ...groups: (string | undefined)[]) => string;

/** `[pattern, replacer]`, applied in order. Each pattern is global. */
const PATTERNS: readonly (readonly [RegExp, Replacer])[] = [
  // Cookies first: the whole rest of the line, which may hold any other form.
  [
    new RegExp(
      `${assignment('(?:set-)?cookie')}(${REDACTED_VALUE}|${QUOTED_VALUE}|${LIST_VALUE}|${LINE_VALUE})`,
      'gi',
    ),
    (_match, head, _separator, value) => redactValue(head, value),
  ],
  [
    new RegExp(
      `${assignment('(?:proxy-)?authorization')}(${REDACTED_VALUE}|${QUOTED_VALUE}|${TOKEN_VALUE})`,
      'gi',
    ),
    (_match, head, _separator, value) => redactValue(head, value),
  ],
  [
    new RegExp(
      String.raw`${START}(${QUOTED}(${NAME})${QUOTED}\s*([:=])\s*)(${REDACTED_VALUE}|${QUOTED_VALUE}|${LIST_VALUE}|${TOKEN_VALUE})`,
      'gi',
    ),
    (match, head, name, separator, value) => {
      const quoted = /^\\*["'[]/.test(value ?? '') || /^\\*["']/.test(head ?? '');
      if (!quoted && separator === ':' && WEAK_NAMES.has((name ?? '').toLowerCase())) return match;
      return redactValue(head, value);
    },
  ],
  // URL credentials, `scheme://user:password@host`: everything up to the last `@` of the authority.
  [/(?<=:\/\/)[^\s/?#"<>\\…]*@/g, () => `${REDACTED}@`],
  [new RegExp(String.raw`\bBearer\s+${NOT_A_NAME}[A-Za-z0-9._~+/=-]+`, 'gi'), () => `Bearer ${REDACTED}`],
  // Anthropic (`sk-ant-api03-…`), OpenAI (`sk-…`, `sk-proj-…`, `sk-svcacct-…`) and similar `sk-` keys.
  [/\bsk-[A-Za-z0-9_-]{10,}/g, () => REDACTED],
  // AWS access key ids (long-term `AKIA…`, temporary `ASIA…`) and Google API keys.
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}/g, () => REDACTED],
  [/\bAIza[A-Za-z0-9_-]{35}/g, () => REDACTED],
  // JWTs: a base64url JSON header (`eyJ…`), a payload and an optional signature.
  [/(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, () => REDACTED],
];

/** Control characters (C0, DEL, C1), line/paragraph separators and bidi overrides (log spoofing). */
const CONTROL_CHARS = String.raw`\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069`;
/** A run of whitespace and control characters holding at least one control character; matched from its start only. */
const CONTROL_RUN = new RegExp(
  String.raw`(?<![\s${CONTROL_CHARS}])[\s${CONTROL_CHARS}]*[${CONTROL_CHARS}][\s${CONTROL_CHARS}]*`,
  'g',
);
const SEPARATOR = new RegExp(String.raw`[\s${CONTROL_CHARS}]`);

/**
 * Makes an error message safe to log and to put on a span. Removes the values of secret headers and parameters
 * in every common form: `Authorization:`/`Proxy-Authorization:` (with their scheme), whole `Cookie:` and
 * `Set-Cookie:` values, and names ending in `key`, `api_key`, `token`, `secret` or `password` (`x-api-key`,
 * `api-key`, `Ocp-Apim-Subscription-Key`, `aws_secret_access_key`, `client_secret`, `OPENAI_API_KEY`), written as
 * `name: value`, `name=value`, JSON (`"x-api-key":"…"`, also inside a JSON string), single-quoted or inspected
 * (`{ token: '…' }`); removes URL credentials (`https://user:password@host`), API keys (`sk-…`, `sk-proj-…`,
 * `sk-ant-…`, `AIza…`), AWS access key ids, `Bearer` tokens and JWTs. Then collapses control characters and
 * newlines to single spaces, trims, and truncates to `maxLength` characters with an ellipsis. Ordinary text passes
 * unchanged, and so does redacted text.
 *
 * Linear in the text; reads at most `8 × maxLength` characters of it (a token cut there is dropped whole).
 *
 * @example
 * redact('401 {"x-api-key":"abc123"}'); // '401 {"x-api-key":"[REDACTED]"}'
 */
export function redact(text: string, maxLength: number = CLASSIFY_DEFAULTS.maxMessageLength): string {
  const out = replaceSecrets(window(String(text), maxLength * 8))
    .replace(CONTROL_RUN, ' ')
    .trim();
  return truncate(out, maxLength);
}

/** True when `text` holds something {@link redact} removes (a key, a token, a `name=value` secret). */
export function looksSecret(text: string): boolean {
  return replaceSecrets(text) !== text;
}

function replaceSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacer] of PATTERNS) out = out.replace(pattern, replacer);
  return out;
}

/**
 * The first `limit` characters of `text`; when it is longer, the token cut at the limit is dropped (a secret
 * half inside would not be recognised) and `…` marks the cut.
 */
function window(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const head = prefix(text, limit);
  let end = head.length;
  while (end > 0 && !SEPARATOR.test(head[end - 1] ?? '')) end--;
  return `${end === 0 ? head : head.slice(0, end - 1)}…`;
}

/**
 * Cuts `text` to `maxLength` characters, the last being `…`, without splitting a surrogate pair or a
 * `[REDACTED]` marker.
 */
export function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  let head = prefix(text, maxLength - 1);
  const marker = text.lastIndexOf(REDACTED, head.length - 1);
  if (marker !== -1 && marker + REDACTED.length > head.length) head = head.slice(0, marker);
  return `${head}…`;
}
