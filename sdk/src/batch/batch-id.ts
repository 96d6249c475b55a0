import type { OptionsValidator } from '../util/validate.js';

/** Batch ids become file names: letters, digits, `.`, `_`, `-`; starting with a letter or digit; 1-128 characters. */
export const BATCH_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Device names Windows reserves in every directory (`NUL.json` is the null device there). */
const WINDOWS_RESERVED = /^(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(?:\..*)?$/i;

/**
 * What `value` lacks to be a batch id (`"no path separators"`), or `undefined` when it is one. Ids name files (`<dir>/<batchId>.json`), so they
 * must not be able to leave the directory: no path separators, no `..`, no NUL, no drive letters, no device names.
 */
export function batchIdProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'a string';
  if (value.includes('\0')) return 'no NUL character';
  if (value.includes('/') || value.includes('\\')) return 'no path separators';
  if (value.includes('..')) return 'no ".."';
  if (!BATCH_ID_PATTERN.test(value))
    return '1-128 characters from [A-Za-z0-9._-], starting with a letter or digit';
  if (WINDOWS_RESERVED.test(value)) return 'not a reserved device name such as CON, NUL or COM1';
  return undefined;
}

/** Records a problem with a batch id into `v`. Returns whether the id is valid. */
export function checkBatchId(v: OptionsValidator, path: string, value: unknown): boolean {
  const problem = batchIdProblem(value);
  if (problem === undefined) return true;
  v.fail(path, `a safe file-name id (${problem})`, value, typeof value !== 'string');
  return false;
}

/** Largest accepted item id, in UTF-16 code units. */
const MAX_ITEM_ID_LENGTH = 512;

/** What the string `itemId` lacks to be an item id (`"1-512 characters, got 0"`), or `undefined`. */
export function itemIdProblem(itemId: string): string | undefined {
  if (itemId.length > 0 && itemId.length <= MAX_ITEM_ID_LENGTH) return undefined;
  return `1-${MAX_ITEM_ID_LENGTH} characters, got ${itemId.length}`;
}

/** Throws a TypeError/RangeError when `itemId` is not a usable item id (a non-empty string of ≤ 512 characters). */
export function assertItemId(itemId: unknown): asserts itemId is string {
  if (typeof itemId !== 'string') {
    throw new TypeError(`itemId must be a non-empty string, got ${typeof itemId}`);
  }
  const problem = itemIdProblem(itemId);
  if (problem !== undefined) throw new RangeError(`itemId must be ${problem}`);
}
