import type { ErrorCategory } from '../../semconv.js';

/**
 * HTTP status → category. Decisions where the status alone is ambiguous:
 * - 409 Conflict → `server_error` (retryable): the OpenAI and Anthropic SDKs and the Vercel AI SDK all retry
 *   409, which their APIs return for transient lock conflicts; it is not a fault in the request.
 * - 499 Client Closed Request → `cancelled` (Anthropic `ClientClosedRequestError`, nginx): the caller went away.
 * - 413 and 431 → `validation`: the request is too large and sending it again will not help.
 * - 402 Payment Required → `quota_exceeded`.
 * - 504 → `server_error` (the gateway's upstream failed); 408 → `timeout`.
 * Statuses below 400 carry no failure category.
 */
export function categoryOfStatus(status: number): ErrorCategory | undefined {
  switch (status) {
    case 401:
    case 403:
      return 'authentication';
    case 402:
      return 'quota_exceeded';
    case 404:
    case 410:
      return 'not_found';
    case 408:
      return 'timeout';
    case 409:
      return 'server_error';
    case 429:
      return 'rate_limited';
    case 499:
      return 'cancelled';
    case 529:
      return 'overloaded';
  }
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'validation';
  return undefined;
}

const REASON_PHRASES =
  'Bad Request|Unauthorized|Payment Required|Forbidden|Not Found|Request Timeout|Conflict|Gone|Payload Too Large|Content Too Large|Unprocessable (?:Entity|Content)|Too Many Requests|Internal Server Error|Not Implemented|Bad Gateway|Service Unavailable|Gateway Timeout|Overloaded';

const MESSAGE_STATUS: readonly RegExp[] = [
  // axios "Request failed with status code 503", "status: 429", "HTTP 429", "HTTP/1.1 503", "HTTP error 500".
  // One optional separator after one run of spaces: `\s*[:=]?\s*` would try every split of a long run of spaces.
  /\b(?:status(?:\s*code)?|HTTP(?:\/\d(?:\.\d)?)?(?:\s+error)?)(?:\s*[:=])?\s*([1-5]\d\d)\b/i,
  // "503 Service Unavailable", "429 Too Many Requests"
  new RegExp(String.raw`\b([45]\d\d)\s+(?:${REASON_PHRASES})\b`, 'i'),
  // Stainless SDKs prefix the status: "429 Rate limit reached…", "529 {\"type\":\"error\"…}"
  /^\s*([45]\d\d)\s+[A-Za-z{]/,
];

/**
 * An HTTP status mentioned in an error message ("Request failed with status code 503", "HTTP 429 Too Many
 * Requests"). Each pattern fails in time linear in the message; callers pass the scanned prefix.
 */
export function statusFromMessage(message: string): number | undefined {
  for (const pattern of MESSAGE_STATUS) {
    const match = pattern.exec(message);
    if (match?.[1] !== undefined) return Number(match[1]);
  }
  return undefined;
}
