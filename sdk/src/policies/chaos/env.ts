import type { OptionsValidator } from '../../util/validate.js';
import { CHAOS_DEFAULTS } from './settings.js';

/** A portable environment variable name. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** A plain decimal rate ("0.5", ".25", "1"); one way to match, so it fails in linear time. */
const RATE = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

const FORMS =
  "JSON chaos settings ('{...}') or fault=rate pairs separated by commas ('rate_limited=0.5,latency=0.1')";

/** The process environment, when there is one (not in a browser). */
function processEnv(): Readonly<Record<string, string | undefined>> {
  return typeof process === 'undefined' ? {} : process.env;
}

/**
 * Reads chaos settings from the environment variable `name`, without validating them: JSON (a value starting with
 * `{`) or compact `fault=rate` pairs, each fault with its defaults. Returns `undefined` when the variable is unset
 * or empty; otherwise the settings with `enabled: true` unless the JSON says otherwise. A value that is too long or
 * in neither form is reported into `v` (under `$name`) and gives `undefined`. Linear in the value's length, which
 * is bounded by `CHAOS_DEFAULTS.maxEnvLength`.
 */
export function readChaosEnv(
  v: OptionsValidator,
  name: string,
  env: Readonly<Record<string, string | undefined>> = processEnv(),
): Record<string, unknown> | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const path = `$${name}`;
  const { maxEnvLength } = CHAOS_DEFAULTS;
  if (raw.length > maxEnvLength) {
    v.fail(path, `at most ${maxEnvLength} characters long (it has ${raw.length})`, raw);
    return undefined;
  }
  const text = raw.trim();
  const settings = text.startsWith('{') ? parseJson(text) : parseCompact(text);
  if (settings === undefined) {
    v.fail(path, FORMS, raw);
    return undefined;
  }
  return { enabled: true, ...settings };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `rate_limited=0.5, latency=0.1` → `{ faults: [{ fault: 'rate_limited', rate: 0.5 }, …] }`; names unchecked. */
function parseCompact(text: string): Record<string, unknown> | undefined {
  const faults: { fault: string; rate: number | string }[] = [];
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq < 0) return undefined;
    const fault = pair.slice(0, eq).trim();
    const rate = pair.slice(eq + 1).trim();
    if (fault === '') return undefined;
    // A rate that is not a plain decimal is kept as text, so validation names it (`faults[0].rate … got "high"`).
    faults.push({ fault, rate: RATE.test(rate) ? Number(rate) : rate });
  }
  return { faults };
}
