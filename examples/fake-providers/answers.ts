/** Canned answers of the support demo, picked by the first pattern the question matches. */
export const ANSWERS: readonly (readonly [RegExp, string])[] = [
  [/refund/i, 'Refunds are issued to the original payment method within 5 business days of approval.'],
  [/ship|deliver/i, 'Standard shipping takes 3-5 business days; express orders arrive in 1-2 days.'],
  [/order/i, 'I found your order. It left our warehouse and is on its way.'],
  [/password|account|login/i, 'You can reset your password from the sign-in page with "Forgot password".'],
];

/** The answer when no pattern of {@link ANSWERS} matches. */
export const DEFAULT_ANSWER = 'Happy to help! Could you tell me a bit more?';

/** A deterministic answer to `prompt` (the last user message): the same prompt always gets the same text. */
export function answerFor(prompt: string): string {
  return ANSWERS.find(([pattern]) => pattern.test(prompt))?.[1] ?? DEFAULT_ANSWER;
}
