import { CLASSIFY_DEFAULTS } from './defaults.js';

/** The first `maxLength` characters of `text`, one fewer when the last would be half of a surrogate pair. */
export function prefix(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  const last = text.charCodeAt(maxLength - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? maxLength - 1 : maxLength);
}

/**
 * What classification reads of a message or body text: its first `CLASSIFY_DEFAULTS.maxScanLength` characters,
 * so no rule ever runs over unbounded text an upstream controls.
 */
export function scanned(text: string): string {
  return prefix(text, CLASSIFY_DEFAULTS.maxScanLength);
}
