import {
  FLEET_CIRCUIT_CAUSES,
  type FleetCircuitChange,
  type FleetCircuitState,
} from '../policies/shared-breaker.js';

/** Longest stored or announced state read (a longer one is not ours: refused before parsing). */
export const MAX_STATE_CHARS = 512;
/** How far in the future another replica's `openedAt` may be (clock skew between hosts). */
export const MAX_CLOCK_SKEW_MS = 60_000;
/** Most consecutive openings a state may carry (as `initialState` allows). */
const MAX_OPENINGS = 1_000;
/** Most replicas a state lists as holding it isolated. */
export const MAX_ISOLATING_REPLICAS = 32;
/** Version of the stored JSON. */
const VERSION = 1;
const KEYS = ['v', 'state', 'isolatedBy', 'generation', 'openedAt', 'openings', 'cause', 'by'].sort().join();
const INSTANCE_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

const isInstanceId = (value: unknown): value is string =>
  typeof value === 'string' && INSTANCE_ID.test(value);

/** A list of distinct replica ids, at most {@link MAX_ISOLATING_REPLICAS}. */
const isReplicaList = (value: unknown): value is string[] =>
  Array.isArray(value) &&
  value.length <= MAX_ISOLATING_REPLICAS &&
  value.every(isInstanceId) &&
  new Set(value).size === value.length;

/** A state read from the store or heard on the channel, with the replica that wrote it. */
export interface WrittenFleetState {
  readonly state: FleetCircuitState;
  /** The `replicaId` of the breaker that wrote it (its coordinator's `instanceId` and a sequence number). */
  readonly by: string;
}

const isInteger = (value: unknown, min: number, max: number): value is number =>
  Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;

/**
 * Parses a stored or announced state, trusting nothing: exactly the JSON the propose script writes (version, state
 * enum, distinct replica ids, safe-integer generation, `openedAt` not past `now` + skew, openings in range, cause
 * enum, writer id), with closed states carrying no opening. Anything else is `undefined` (the caller counts and ignores it).
 */
export function parseFleetState(raw: unknown, now: number): WrittenFleetState | undefined {
  if (typeof raw !== 'string' || raw.length > MAX_STATE_CHARS) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  if (Object.keys(o).sort().join() !== KEYS || o.v !== VERSION) return undefined;
  const { state, isolatedBy, generation, openedAt, openings, cause, by } = o;
  const open = state === 'open';
  const valid =
    (open || state === 'closed') &&
    isReplicaList(isolatedBy) &&
    isInteger(generation, 1, Number.MAX_SAFE_INTEGER) &&
    (open ? isInteger(openedAt, 0, now + MAX_CLOCK_SKEW_MS) : openedAt === 0) &&
    (open ? isInteger(openings, 1, MAX_OPENINGS) : openings === 0) &&
    (FLEET_CIRCUIT_CAUSES as readonly unknown[]).includes(cause) &&
    isInstanceId(by);
  if (!valid) return undefined;
  return {
    state: { state, isolatedBy, generation, openedAt, openings, cause } as FleetCircuitState,
    by: by as string,
  };
}

/**
 * The arguments the propose script builds the stored JSON from (it adds the generation): every field normalised
 * to what {@link parseFleetState} accepts, so a replica never writes a state the others would refuse.
 */
export function changeArguments(change: FleetCircuitChange): string[] {
  const open = change.state === 'open';
  const openedAt = open ? Math.max(0, Math.trunc(change.openedAt)) : 0;
  const openings = open ? Math.min(MAX_OPENINGS, Math.max(1, Math.trunc(change.openings))) : 0;
  const cause = FLEET_CIRCUIT_CAUSES.includes(change.cause) ? change.cause : 'outcome';
  const isolatedBy = [...new Set(change.isolatedBy.filter(isInstanceId))].slice(-MAX_ISOLATING_REPLICAS);
  return [open ? 'open' : 'closed', JSON.stringify(isolatedBy), String(openedAt), String(openings), cause];
}
