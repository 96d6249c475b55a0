/** An Error shaped like an HTTP client's (`status`, `headers`), as the classifier duck-types it. */
export function httpError(
  status: number,
  headers: Record<string, string> = {},
  message = `HTTP ${status}`,
): Error {
  return Object.assign(new Error(message), { status, headers });
}

/** A function that fails with the given errors in order, then returns `value`; records the inputs it saw. */
export function failThenSucceed<T>(errors: unknown[], value: T) {
  const calls: { signal: AbortSignal; attempt: number }[] = [];
  const fn = async (input: { signal: AbortSignal; attempt: number }): Promise<T> => {
    calls.push(input);
    const error = errors[calls.length - 1];
    if (calls.length <= errors.length) throw error;
    return value;
  };
  return { fn, calls };
}

/** A promise that never settles unless its signal aborts (then it rejects with the abort reason). */
export function hangUntilAborted({ signal }: { signal: AbortSignal }): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
