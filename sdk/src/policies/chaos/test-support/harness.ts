import { AttributeCache } from '../../../telemetry/attributes.js';
import { createChaos } from '../controller.js';
import type { ChaosCallInfo, ChaosController, ChaosFaultSpec, ChaosOptions } from '../types.js';

/** The policy chaos runs in, as the pipeline passes it. */
export const runtime = { name: 'llm', attributes: new AttributeCache('llm') };

/** A call made with `execute` for model `gpt-4o-mini` and tenant `acme`. */
export const CALL: ChaosCallInfo = { model: 'gpt-4o-mini', tenant: 'acme', streamed: false };

/** An attempt's input. */
export const input = (signal = new AbortController().signal) => ({ signal, attempt: 0 });

/** An enabled controller with `faults`. */
export const on = (faults: ChaosFaultSpec[], options: ChaosOptions = {}): ChaosController =>
  createChaos({ enabled: true, faults, ...options });

/** Runs `n` invocations (attempts) of a wrapped function, one after the other; returns the errors they threw. */
export async function attempts(
  wrapped: (i: ReturnType<typeof input>) => unknown,
  n: number,
): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (let i = 0; i < n; i++) {
    try {
      await wrapped(input());
    } catch (error) {
      errors.push(error);
    }
  }
  return errors;
}
