import type { ErrorCategory } from '../../semconv.js';
import { type ErrorFacts, isObject, prop } from '../facts.js';
import { classifierHeader } from '../headers.js';
import { REFINABLE, type Verdict } from '../internal-types.js';

/**
 * Error classes of the LLM SDKs, by constructor name or `name` (duck-typed: no SDK is imported). OpenAI
 * `openai` 7.x and Anthropic `@anthropic-ai/sdk` 1.x share the Stainless class names; the Vercel AI SDK uses
 * `AI_*` names. These say what the status says, so they are checked after it; they matter when there is no
 * status (connection errors, rebuilt errors).
 */
const CLASS_NAMES: Readonly<Record<string, ErrorCategory>> = {
  APIUserAbortError: 'cancelled',
  APIConnectionTimeoutError: 'timeout',
  OverloadedError: 'overloaded',
  RateLimitError: 'rate_limited',
  AuthenticationError: 'authentication',
  PermissionDeniedError: 'authentication',
  PaymentRequiredError: 'quota_exceeded',
  NotFoundError: 'not_found',
  RequestTimeoutError: 'timeout',
  InternalServerError: 'server_error',
  ServiceUnavailableError: 'server_error',
  GatewayTimeoutError: 'server_error',
  ClientClosedRequestError: 'cancelled',
  AI_LoadAPIKeyError: 'authentication',
  AI_NoSuchModelError: 'not_found',
  AI_InvalidPromptError: 'validation',
  AI_InvalidArgumentError: 'validation',
};

/**
 * Names more precise than the status, checked before it: OpenAI's `ContentFilterFinishReasonError`, and AWS
 * (Bedrock) exception names, which are error codes (a `ServiceQuotaExceededException` is a 400).
 */
const SPECIFIC_NAMES: Readonly<Record<string, ErrorCategory>> = {
  ContentFilterFinishReasonError: 'content_filtered',
  ThrottlingException: 'rate_limited',
  ServiceQuotaExceededException: 'quota_exceeded',
  ModelTimeoutException: 'timeout',
  ModelNotReadyException: 'server_error',
};

/** `APIConnectionError` (OpenAI, Anthropic): `network`, unless its cause says `timeout` (an undici connect timeout). */
const CONNECTION_ERROR = 'APIConnectionError';

/**
 * Body and own codes that name a cause more precisely than the status does (OpenAI `error.code`/`type`,
 * Anthropic `error.error.type`, Google `error.status`). Checked before the status: a 429 `insufficient_quota`
 * is `quota_exceeded`, a 400 `context_length_exceeded` is not a plain `validation` error.
 */
const SPECIFIC_CODES: Readonly<Record<string, ErrorCategory>> = {
  insufficient_quota: 'quota_exceeded',
  quota_exceeded: 'quota_exceeded',
  billing_error: 'quota_exceeded',
  billing_hard_limit_reached: 'quota_exceeded',
  billing_not_active: 'quota_exceeded',
  context_length_exceeded: 'context_length_exceeded',
  context_window_exceeded: 'context_length_exceeded',
  content_filter: 'content_filtered',
  content_policy_violation: 'content_filtered',
  content_filtered: 'content_filtered',
  overloaded_error: 'overloaded',
  rate_limit_exceeded: 'rate_limited',
  rate_limit_error: 'rate_limited',
  invalid_api_key: 'authentication',
  model_not_found: 'not_found',
};

/** Codes as specific as the status only: used when the error has no status (a body without its response). */
const GENERIC_CODES: Readonly<Record<string, ErrorCategory>> = {
  invalid_request_error: 'validation',
  request_too_large: 'validation',
  authentication_error: 'authentication',
  permission_error: 'authentication',
  not_found_error: 'not_found',
  api_error: 'server_error',
  server_error: 'server_error',
  timeout_error: 'timeout',
  RESOURCE_EXHAUSTED: 'rate_limited', // Google: a rate limit or a quota; the message tells which
  INVALID_ARGUMENT: 'validation',
  UNAUTHENTICATED: 'authentication',
  PERMISSION_DENIED: 'authentication',
  NOT_FOUND: 'not_found',
  UNAVAILABLE: 'server_error',
  INTERNAL: 'server_error',
  DEADLINE_EXCEEDED: 'timeout',
};

const isStatus =
  (...statuses: number[]) =>
  (status: number | undefined) =>
    status === undefined || statuses.includes(status);
const isServerStatus = (status: number | undefined) => status === undefined || status >= 500;

/**
 * Message patterns, in order, each with the statuses it may refine (`undefined` = no status). A 503 that says
 * "overloaded" is `overloaded`; a 400 that says "prompt is too long" is `context_length_exceeded`. Each pattern
 * is a list of near-literal phrases (no unbounded repetition), so a match attempt costs constant time.
 */
const MESSAGE_PATTERNS: readonly {
  readonly category: ErrorCategory;
  readonly pattern: RegExp;
  readonly when: (status: number | undefined) => boolean;
}[] = [
  {
    category: 'quota_exceeded',
    pattern:
      /insufficient[_\s]quota|\bquota (?:has been |was )?exceeded|exceeded (?:your|the) (?:current )?quota|check your plan and billing|billing (?:hard )?limit|credit balance is too low/i,
    when: isStatus(400, 402, 403, 429),
  },
  {
    category: 'context_length_exceeded',
    pattern:
      /maximum context length|context[_\s-]length|context window|prompt is too long|input is too long|too many (?:input )?tokens|reduce the length of the messages/i,
    when: isStatus(400, 413, 422),
  },
  {
    category: 'content_filtered',
    pattern:
      /content[_\s-]?(?:management[_\s-])?polic(?:y|ies)|content[_\s-]filter|safety system|flagged (?:by|as)|violat(?:es?|ed|ing|ions?) (?:our|the) (?:usage )?polic/i,
    when: isStatus(400, 403, 422),
  },
  { category: 'overloaded', pattern: /\boverloaded\b|\bover capacity\b/i, when: isServerStatus },
  {
    category: 'rate_limited',
    pattern: /rate[_\s-]?limit|too many requests|throttl/i,
    when: isStatus(403, 429),
  },
  {
    category: 'authentication',
    pattern:
      /invalid (?:x-)?api[_\s-]?key|incorrect api key|\bunauthori[sz]ed\b|authentication (?:failed|error)/i,
    when: isStatus(),
  },
];

/**
 * Vercel AI SDK `RetryError` (`AI_RetryError`): its `lastError` is the error that matters. Returns the value to
 * classify instead, or `undefined`.
 */
export function unwrapRetryError(value: unknown): unknown {
  if (!isObject(value) || prop(value, 'name') !== 'AI_RetryError') return undefined;
  const last = prop(value, 'lastError');
  if (last !== undefined && last !== null) return last;
  const errors = prop(value, 'errors');
  return Array.isArray(errors) && errors.length > 0 ? errors[errors.length - 1] : undefined;
}

/** SDK error classes by name. */
export function byProviderClass(facts: ErrorFacts): Verdict | undefined {
  for (const name of facts.names) {
    const category = CLASS_NAMES[name];
    if (category) return { category };
    if (name === CONNECTION_ERROR) return { category: 'network', yieldTo: REFINABLE };
  }
  return undefined;
}

/** Codes and names more specific than the status ({@link SPECIFIC_CODES}, {@link SPECIFIC_NAMES}). */
export function bySpecificCode(facts: ErrorFacts): Verdict | undefined {
  for (const name of facts.names) {
    const category = SPECIFIC_NAMES[name];
    if (category) return { category };
  }
  for (const code of facts.codes) {
    const category = SPECIFIC_CODES[code];
    if (category) return { category };
  }
  return undefined;
}

/** Codes used only when there is no status ({@link GENERIC_CODES}). */
export function byGenericCode(facts: ErrorFacts): Verdict | undefined {
  if (facts.status !== undefined) return undefined;
  for (const code of facts.codes) {
    const category = GENERIC_CODES[code];
    if (category) return { category };
  }
  return undefined;
}

/** Message patterns ({@link MESSAGE_PATTERNS}) on the message and the body's messages. */
export function byMessage(facts: ErrorFacts): Verdict | undefined {
  const text = facts.texts.join('\n');
  for (const { category, pattern, when } of MESSAGE_PATTERNS) {
    if (when(facts.status) && pattern.test(text)) return { category };
  }
  return undefined;
}

/** `x-should-retry: true|false` (OpenAI, Anthropic): the server's own word on retrying. */
export function shouldRetryHeader(headers: unknown): boolean | undefined {
  const value = classifierHeader(headers, 'x-should-retry')?.toLowerCase();
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

/** Vercel AI SDK `isRetryable` (and `retryable`) flags, used only when nothing more specific is known. */
export function retryableFlag(value: unknown): boolean | undefined {
  const flag = prop(value, 'isRetryable') ?? prop(value, 'retryable');
  return typeof flag === 'boolean' ? flag : undefined;
}
