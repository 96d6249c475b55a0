import { CHAOS_FAULTS, type ChaosFault } from '../../semconv.js';
import { safelyGet } from '../../util/safely.js';
import { OptionsValidator } from '../../util/validate.js';
import { ENV_NAME_PATTERN, readChaosEnv } from './env.js';
import { type ChaosConfig, type ChaosPlan, compileConfig, planAttempt } from './plan.js';
import { CHAOS_DEFAULTS, type CheckedSettings, checkChaosSettings, SETTINGS_KEYS } from './settings.js';
import type {
  ChaosCallInfo,
  ChaosController,
  ChaosFaultSpec,
  ChaosOptions,
  ChaosScope,
  ChaosSettings,
  ChaosState,
} from './types.js';

const OPTION_KEYS = [...SETTINGS_KEYS, 'env', 'random'];

/** What a controller starts with. */
interface ChaosInit {
  readonly enabled: boolean;
  readonly faults: readonly ChaosFaultSpec[];
  readonly scope: ChaosScope;
  readonly random: () => number;
}

/**
 * The controller behind {@link createChaos}. Its settings are one immutable {@link ChaosConfig}, replaced whole by
 * `configure`, so an attempt always reads a consistent set; `plan` and `countInjection` are for `chaosFn` only.
 */
export class Chaos implements ChaosController {
  #enabled: boolean;
  #config: ChaosConfig;
  readonly #random: () => number;
  readonly #injections = new Map<ChaosFault, number>(CHAOS_FAULTS.map(f => [f, 0]));

  /** @internal Use {@link createChaos}. */
  constructor(init: ChaosInit) {
    this.#enabled = init.enabled;
    this.#config = compileConfig(init.faults, init.scope);
    const random = init.random;
    // A throwing source of randomness injects nothing (reported), it never fails the call.
    this.#random = () => safelyGet('chaos random', random, 1);
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  enable(): void {
    this.#enabled = true;
  }

  disable(): void {
    this.#enabled = false;
  }

  configure(settings: ChaosSettings): ChaosState {
    const v = new OptionsValidator('ChaosController.configure()');
    const checked = checkChaosSettings(v, v.object('', settings, SETTINGS_KEYS));
    v.done();
    this.#config = compileConfig(checked.faults ?? this.#config.faults, checked.scope ?? this.#config.scope);
    if (checked.enabled !== undefined) this.#enabled = checked.enabled;
    return this.state();
  }

  state(): ChaosState {
    return {
      enabled: this.#enabled,
      faults: this.#config.faults,
      scope: this.#config.scope,
      injections: Object.fromEntries(this.#injections) as Record<ChaosFault, number>,
    };
  }

  /** @internal What chaos does to one attempt of `policy`'s call; `undefined` for nothing (or when disabled). */
  plan(policy: string, call: ChaosCallInfo): ChaosPlan | undefined {
    return this.#enabled ? planAttempt(this.#config, this.#random, policy, call) : undefined;
  }

  /** @internal Counts an injected fault for {@link state}. */
  countInjection(fault: ChaosFault): void {
    this.#injections.set(fault, (this.#injections.get(fault) ?? 0) + 1);
  }
}

/**
 * Validates `createChaos` options into `v` (the variable's settings under `$NAME`) and merges the environment's
 * settings over them. Returns `undefined` when `v` found a problem.
 */
function checkChaosOptions(v: OptionsValidator, options: unknown): ChaosInit | undefined {
  const o = v.object('', options, OPTION_KEYS);
  v.func('random', o.random);
  const env = o.env;
  if (
    env !== undefined &&
    typeof env !== 'boolean' &&
    !(typeof env === 'string' && ENV_NAME_PATTERN.test(env))
  ) {
    v.fail(
      'env',
      'a boolean or an environment variable name ([A-Za-z_][A-Za-z0-9_]*, at most 128)',
      env,
      typeof env !== 'string',
    );
  }
  const own = checkChaosSettings(v, o);
  let fromEnv: CheckedSettings = {};
  const name = env === true ? CHAOS_DEFAULTS.envVariable : typeof env === 'string' ? env : undefined;
  if (name !== undefined && v.ok) {
    const raw = readChaosEnv(v, name);
    if (raw !== undefined) {
      const at = v.at(`$${name}`);
      fromEnv = checkChaosSettings(at, at.object('', raw, SETTINGS_KEYS));
    }
  }
  if (!v.ok) return undefined;
  return {
    enabled: fromEnv.enabled ?? own.enabled ?? false,
    faults: fromEnv.faults ?? own.faults ?? Object.freeze([]),
    scope: fromEnv.scope ?? own.scope ?? Object.freeze({}),
    random: (o.random as (() => number) | undefined) ?? Math.random,
  };
}

/**
 * Creates a chaos-injection controller: share it between policies (`createPolicy(name, { chaos })`), switch it at
 * runtime (`enable()`, `disable()`, `configure()`, or `POST /chaos` on a monitoring server with a token), and read
 * what it did (`state()`, the {@link METRIC_CHAOS_INJECTIONS} counter). It is off unless `enabled: true` is given,
 * `enable()` is called, or the environment variable named by `env` is set.
 *
 * @example
 * const chaos = createChaos({
 *   enabled: true,
 *   faults: [
 *     { fault: 'rate_limited', rate: 0.3, retryAfterMs: 2000 },
 *     { fault: 'latency', rate: 0.1, latencyMs: { p50Ms: 300, p99Ms: 4000 } },
 *   ],
 *   scope: { policies: ['openai.chat'], tenants: ['game-day'] },
 * });
 * const chat = createPolicy('openai.chat', { retry: { maxRetries: 3 }, chaos });
 *
 * @throws TypeError / RangeError naming the option (or `$VARIABLE` and the setting), the constraint and the value.
 */
export function createChaos(options: ChaosOptions = {}): ChaosController {
  const v = new OptionsValidator('createChaos()');
  const init = checkChaosOptions(v, options);
  v.done();
  return new Chaos(init!);
}

/**
 * For `createPolicy(name, { chaos })`: a shared controller as it is, inline {@link ChaosOptions} validated into `v`
 * (problems under `path`) and made a private controller. `undefined` when absent or invalid.
 */
export function checkChaosOption(
  v: OptionsValidator,
  path: string,
  value: unknown,
): ChaosController | undefined {
  if (value === undefined || value instanceof Chaos) return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    v.fail(path, 'a ChaosController (createChaos()) or chaos options', value, true);
    return undefined;
  }
  const init = checkChaosOptions(v.at(path), value);
  return init === undefined ? undefined : new Chaos(init);
}
