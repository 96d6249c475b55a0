import { redact } from '../classify/redact.js';
import { HttpError } from './http.js';
import type { Route } from './routes.js';
import { untrustedJsonProblem } from './untrusted-json.js';

/**
 * What the monitoring API needs of a chaos controller: a `createChaos()` controller is one. Structural, so the API
 * depends on no chaos implementation.
 */
export interface ChaosControl {
  /**
   * Validates `settings` (a `TypeError`/`RangeError` naming the option, the constraint and the value when they are
   * invalid) and applies them, atomically.
   */
  configure(settings: unknown): unknown;
  /** What is active, JSON-safe. */
  state(): unknown;
}

/** How deep chaos settings nest (settings, `faults`, a fault, its `latencyMs`), with room to spare. */
export const MAX_CHAOS_SETTINGS_DEPTH = 8;

const invalidSettings = (message: string) => new HttpError(400, 'invalid_chaos_settings', message);

/** The body of `POST /chaos`, checked to be a JSON object of safe shape before any controller sees it. */
function settingsFrom(body: unknown): Record<string, unknown> {
  if (body === undefined) throw invalidSettings('A JSON object of chaos settings is required');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    const kind = body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`;
    throw invalidSettings(`The chaos settings must be a JSON object, got ${kind}`);
  }
  const problem = untrustedJsonProblem(body, MAX_CHAOS_SETTINGS_DEPTH);
  if (problem !== undefined) throw invalidSettings(`The chaos settings ${problem}`);
  return body as Record<string, unknown>;
}

/**
 * Configures `chaos` with `settings`. A settings error (`TypeError`, `RangeError`) becomes a 400 repeating its
 * message redacted, on one line, at most 512 characters; anything else is left to the handler (500).
 */
function configure(chaos: ChaosControl, settings: Record<string, unknown>): void {
  try {
    chaos.configure(settings);
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError)
      throw invalidSettings(redact(error.message));
    throw error;
  }
}

const NOT_CONFIGURED = new HttpError(
  404,
  'chaos_not_configured',
  'No chaos controller is configured: pass one as the chaos option',
);

/**
 * `GET /chaos` (the controller's state) and `POST /chaos` (configure it with the JSON body, answer the new state)
 * over `chaos`; both answer 404 `chaos_not_configured` without one.
 */
export function chaosRoutes(chaos: ChaosControl | undefined): readonly Route[] {
  const controller = (): ChaosControl => {
    if (chaos === undefined) throw NOT_CONFIGURED;
    return chaos;
  };
  return [
    {
      pattern: /^\/chaos$/,
      method: 'GET',
      access: 'read',
      answer: () => ({ body: controller().state() }),
    },
    {
      pattern: /^\/chaos$/,
      method: 'POST',
      access: 'mutate',
      answer: (_, body) => {
        const target = controller();
        configure(target, settingsFrom(body));
        return { body: target.state() };
      },
    },
  ];
}
