import { CHAOS_FAULTS, type ChaosFault } from '../../semconv.js';
import type { OptionsValidator } from '../../util/validate.js';
import type { ChaosFaultSpec, ChaosProvider, ChaosScope } from './types.js';

/** Defaults and bounds of chaos injection, in one frozen place. */
export const CHAOS_DEFAULTS = Object.freeze({
  /** Whose client errors the error faults imitate. */
  provider: 'openai' as ChaosProvider,
  /** Wait a `rate_limited` 429 asks for, in ms. */
  retryAfterMs: 1000,
  /** Delay a `latency` fault adds, in ms. */
  latencyMs: 1000,
  /** Chunks a stream delivers before a stream fault. */
  afterChunks: 1,
  /** The environment variable `env: true` reads. */
  envVariable: 'AGENT_RESILIENCE_CHAOS',
  /** Longest environment value read, in characters (4 KiB): a longer one is refused. */
  maxEnvLength: 4096,
  /** Most faults in one configuration. */
  maxFaults: 32,
  /** Most entries in one scope list. */
  maxScopeEntries: 100,
  /** Largest `afterChunks`. */
  maxAfterChunks: 1_000_000,
});

/** The keys of {@link ChaosSettings}, all `configure` accepts. */
export const SETTINGS_KEYS = ['enabled', 'faults', 'scope'] as const;

const STREAM_FAULTS: ReadonlySet<ChaosFault> = new Set(['stream_stall', 'stream_drop', 'stream_error']);

/** Whether `fault` breaks a stream (applies to streamed calls only). */
export const isStreamFault = (fault: ChaosFault): boolean => STREAM_FAULTS.has(fault);

/** Whether `fault` throws a provider-shaped error when the attempt starts. */
export const isErrorFault = (fault: ChaosFault): boolean => fault !== 'latency' && !isStreamFault(fault);

const PROVIDERS: readonly ChaosProvider[] = ['openai', 'anthropic'];
const FAULT_KEYS = ['fault', 'rate', 'provider', 'retryAfterMs', 'latencyMs', 'afterChunks'];

/** Which optional field applies to which faults, and how to say so. */
const FIELD_APPLIES: readonly {
  readonly key: 'provider' | 'retryAfterMs' | 'latencyMs' | 'afterChunks';
  readonly applies: (fault: ChaosFault) => boolean;
  readonly to: string;
}[] = [
  {
    key: 'provider',
    applies: f => isErrorFault(f) || f === 'stream_error',
    to: 'the error faults and stream_error',
  },
  { key: 'retryAfterMs', applies: f => f === 'rate_limited', to: 'rate_limited only' },
  { key: 'latencyMs', applies: f => f === 'latency', to: 'latency only' },
  { key: 'afterChunks', applies: isStreamFault, to: 'the stream faults only' },
];

/** 1-128 characters, none of them a control, format, private-use, unassigned or lone-surrogate one. */
const PRINTABLE_LABEL = /^\P{C}{1,128}$/u;

/** Settings that passed validation, with defaults applied; only the keys that were given. */
export interface CheckedSettings {
  readonly enabled?: boolean;
  readonly faults?: readonly ChaosFaultSpec[];
  readonly scope?: ChaosScope;
}

/**
 * Validates the {@link SETTINGS_KEYS} fields of `o` (an options object already checked for unknown keys) into `v`.
 * Returns them with defaults applied and frozen (`undefined` for a field found invalid); use the result only when
 * `v` found no problem.
 */
export function checkChaosSettings(
  v: OptionsValidator,
  o: Readonly<Record<string, unknown>>,
): CheckedSettings {
  v.boolean('enabled', o.enabled);
  const faults = o.faults === undefined ? undefined : checkFaults(v, o.faults);
  const scope = o.scope === undefined ? undefined : checkScope(v, o.scope);
  return {
    ...(typeof o.enabled === 'boolean' ? { enabled: o.enabled } : {}),
    ...(faults === undefined ? {} : { faults }),
    ...(scope === undefined ? {} : { scope }),
  };
}

function checkFaults(v: OptionsValidator, value: unknown): readonly ChaosFaultSpec[] | undefined {
  const { maxFaults } = CHAOS_DEFAULTS;
  if (!Array.isArray(value)) {
    v.fail('faults', `an array of at most ${maxFaults} fault specs`, value, true);
    return undefined;
  }
  if (value.length > maxFaults) {
    v.fail('faults', `an array of at most ${maxFaults} fault specs`, value);
    return undefined;
  }
  const faults = value.map((spec, i) => checkFault(v, `faults[${i}]`, spec));
  if (!faults.every(f => f !== undefined)) return undefined;
  // Rounded: 0.1 + 0.2 + 0.7 is 1.0000000000000002, and a message shows 1.1, not 1.1000000000000001.
  const total = (specs: readonly ChaosFaultSpec[]) =>
    Number(specs.reduce((sum, f) => sum + f.rate, 0).toFixed(6));
  const latency = total(faults.filter(f => f.fault === 'latency'));
  const failures = total(faults.filter(f => f.fault !== 'latency'));
  if (latency > 1) {
    v.fail('faults', 'a list whose latency rates add up to at most 1 (one latency per attempt)', latency);
  }
  if (failures > 1) {
    v.fail(
      'faults',
      'a list whose error and stream fault rates add up to at most 1 (at most one of them hits an attempt)',
      failures,
    );
  }
  return Object.freeze(faults);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkFault(v: OptionsValidator, path: string, spec: unknown): ChaosFaultSpec | undefined {
  if (!isPlainObject(spec)) {
    v.fail(path, 'a fault spec ({ fault, rate, ... })', spec, true);
    return undefined;
  }
  const o = v.object(path, spec, FAULT_KEYS);
  const known = v.oneOf(`${path}.fault`, o.fault, CHAOS_FAULTS, { required: true });
  let ok = v.number(`${path}.rate`, o.rate, { min: 0, max: 1, required: true }) && known;
  if (!known) return undefined;
  const fault = o.fault as ChaosFault;
  for (const { key, applies, to } of FIELD_APPLIES) {
    if (o[key] !== undefined && !applies(fault)) {
      v.fail(`${path}.${key}`, `left out for fault ${JSON.stringify(fault)} (it applies to ${to})`, o[key]);
      ok = false;
    }
  }
  ok = v.oneOf(`${path}.provider`, o.provider, PROVIDERS) && ok;
  ok = v.delay(`${path}.retryAfterMs`, o.retryAfterMs) && ok;
  ok = checkLatency(v, `${path}.latencyMs`, o.latencyMs) && ok;
  const { maxAfterChunks } = CHAOS_DEFAULTS;
  ok = v.number(`${path}.afterChunks`, o.afterChunks, { min: 0, max: maxAfterChunks, integer: true }) && ok;
  return ok ? resolveFault(fault, o) : undefined;
}

function checkLatency(v: OptionsValidator, path: string, value: unknown): boolean {
  if (value === undefined || typeof value === 'number') return v.delay(path, value);
  if (!isPlainObject(value)) {
    v.fail(path, 'a number of ms or { p50Ms, p99Ms }', value, true);
    return false;
  }
  const d = v.object(path, value, ['p50Ms', 'p99Ms']);
  const ok =
    v.delay(`${path}.p50Ms`, d.p50Ms, { above: 0, required: true }) &&
    v.delay(`${path}.p99Ms`, d.p99Ms, { above: 0, required: true });
  if (ok && (d.p99Ms as number) < (d.p50Ms as number)) {
    v.fail(`${path}.p99Ms`, `>= p50Ms (${d.p50Ms as number})`, d.p99Ms);
    return false;
  }
  return ok;
}

/** The spec with the defaults of the fields that apply to its fault, frozen (a distribution copied). */
function resolveFault(fault: ChaosFault, o: Readonly<Record<string, unknown>>): ChaosFaultSpec {
  const d = CHAOS_DEFAULTS;
  const latency = o.latencyMs as ChaosFaultSpec['latencyMs'];
  return Object.freeze({
    fault,
    rate: o.rate as number,
    ...(isErrorFault(fault) || fault === 'stream_error'
      ? { provider: (o.provider as ChaosProvider | undefined) ?? d.provider }
      : {}),
    ...(fault === 'rate_limited'
      ? { retryAfterMs: (o.retryAfterMs as number | undefined) ?? d.retryAfterMs }
      : {}),
    ...(fault === 'latency'
      ? {
          latencyMs:
            typeof latency === 'object'
              ? Object.freeze({ p50Ms: latency.p50Ms, p99Ms: latency.p99Ms })
              : (latency ?? d.latencyMs),
        }
      : {}),
    ...(isStreamFault(fault) ? { afterChunks: (o.afterChunks as number | undefined) ?? d.afterChunks } : {}),
  });
}

function checkScope(v: OptionsValidator, value: unknown): ChaosScope | undefined {
  if (!isPlainObject(value)) {
    v.fail('scope', 'an object ({ policies?, models?, tenants? })', value, true);
    return undefined;
  }
  const o = v.object('scope', value, ['policies', 'models', 'tenants']);
  const policies = checkList(v, 'scope.policies', o.policies, (path, name) => v.name(path, name));
  const printable = (path: string, label: unknown) => {
    if (typeof label === 'string' && PRINTABLE_LABEL.test(label)) return true;
    v.fail(path, 'a string of 1-128 printable characters', label, typeof label !== 'string');
    return false;
  };
  const models = checkList(v, 'scope.models', o.models, printable);
  const tenants = checkList(v, 'scope.tenants', o.tenants, printable);
  if (policies === null || models === null || tenants === null) return undefined;
  return Object.freeze({
    ...(policies === undefined ? {} : { policies }),
    ...(models === undefined ? {} : { models }),
    ...(tenants === undefined ? {} : { tenants }),
  });
}

/** A frozen copy of a valid list, `undefined` when absent, `null` when invalid. */
function checkList(
  v: OptionsValidator,
  path: string,
  value: unknown,
  check: (path: string, entry: unknown) => boolean,
): readonly string[] | undefined | null {
  if (value === undefined) return undefined;
  const { maxScopeEntries } = CHAOS_DEFAULTS;
  if (!Array.isArray(value) || value.length > maxScopeEntries) {
    v.fail(path, `an array of at most ${maxScopeEntries} strings`, value, !Array.isArray(value));
    return null;
  }
  const valid = value.map((entry, i) => check(`${path}[${i}]`, entry));
  return valid.every(Boolean) ? Object.freeze([...(value as string[])]) : null;
}
