import type {
  FleetCircuitChange,
  FleetCircuitEvents,
  FleetCircuitState,
  FleetProbeAnswer,
  FleetProposalAnswer,
  SharedCircuit,
} from '../policies/shared-breaker.js';
import { RedisScript } from './redis-client.js';
import type { RedisCoordinator } from './redis-coordinator.js';
import { changeArguments, MAX_STATE_CHARS, parseFleetState } from './shared-circuit-breaker-state.js';

export type { FleetCircuitEvents } from '../policies/shared-breaker.js';

/** Lifetime of a breaker's stored state after its last change (a live fleet stores it again when it expired). */
export const STATE_TTL_MS = 86_400_000;
/** Breakers made in this process (each one's {@link SharedCircuitBreaker.replicaId} is its own). */
let breakers = 0;
/** Longest lease another replica may report holding (its `probeTimeoutMs`). */
const MAX_LEASE_MS = 86_400_000;

/**
 * Lua reading the state key without trusting it: `nil` when there is none; a key of another type or a value
 * longer than any state is deleted (a foreign or hostile value never crosses the wire) and read as `'x'`, a value
 * the client counts as not trusted.
 */
const BOUNDED_GET = `
local function bounded(key)
  local kind = redis.call('TYPE', key).ok
  if kind == 'none' then return false end
  if kind ~= 'string' or redis.call('STRLEN', key) > ${MAX_STATE_CHARS} then
    redis.call('DEL', key)
    return 'x'
  end
  return redis.call('GET', key)
end
`;

/** The stored state (bounded, see {@link BOUNDED_GET}). KEYS: state. */
const READ = new RedisScript(`${BOUNDED_GET}
return bounded(KEYS[1])
`);

/**
 * Compare-and-set of the fleet's state. KEYS: state, probe lease. ARGV: expected generation, state, isolatedBy
 * (a JSON array of replica ids), openedAt, openings, cause, writer id, TTL ms, channel. A stored state past the expected generation wins (answer
 * `{0, stored}`); otherwise the change is stored as generation expected + 1, the probe lease (of the previous
 * generation) is freed and the new state announced (answer `{1, stored}`). A stored value that is not a state is
 * overwritten (the reader has counted it).
 */
const PROPOSE = new RedisScript(`${BOUNDED_GET}
local current = bounded(KEYS[1])
local expected = tonumber(ARGV[1])
if current then
  local ok, stored = pcall(cjson.decode, current)
  if ok and type(stored) == 'table' and stored.v == 1 and type(stored.generation) == 'number'
      and stored.generation > expected then
    return {0, current}
  end
end
local value = '{"v":1,"state":"' .. ARGV[2] .. '","isolatedBy":' .. ARGV[3] .. ',"generation":'
  .. string.format('%d', expected + 1) .. ',"openedAt":' .. ARGV[4] .. ',"openings":' .. ARGV[5]
  .. ',"cause":"' .. ARGV[6] .. '","by":"' .. ARGV[7] .. '"}'
redis.call('SET', KEYS[1], value, 'PX', ARGV[8])
redis.call('DEL', KEYS[2])
redis.call('PUBLISH', ARGV[9], value)
return {1, value}
`);

/**
 * The fleet's probe lease. KEYS: state, probe lease. ARGV: generation known, instance id, lease ms. When the
 * stored generation is another (`{'moved', stored or nil}`), nothing is leased; otherwise the lease is this
 * replica's (`{'granted', ms}`: taken with SET NX PX, or already its own and extended) or another's
 * (`{'denied', ms left}`; a lease without expiry, not ours, is given one).
 */
const PROBE = new RedisScript(`${BOUNDED_GET}
local current = bounded(KEYS[1])
local generation = 0
if current then
  local ok, stored = pcall(cjson.decode, current)
  generation = -1
  if ok and type(stored) == 'table' and type(stored.generation) == 'number' then generation = stored.generation end
end
if generation ~= tonumber(ARGV[1]) then return {'moved', current} end
if redis.call('GET', KEYS[2]) == ARGV[2] or redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  return {'granted', tonumber(ARGV[3])}
end
local left = redis.call('PTTL', KEYS[2])
if left < 0 then
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  left = tonumber(ARGV[3])
end
return {'denied', left}
`);

/** Deletes KEYS[1] if it still holds ARGV[1] (a value found not to be a state; a probe lease of ours). */
const DISCARD = new RedisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * The fleet's state of one circuit breaker in Redis (the `shared` side of `createCircuitBreaker`): a JSON state
 * with its generation under `<prefix>:circuit_breaker:<name>` (TTL {@link STATE_TTL_MS}), changed by a
 * compare-and-set script that announces each change on `<prefix>:circuit_breaker.changes:<name>`, and a probe
 * lease under `<prefix>:circuit_breaker.lease:<name>` (SET NX PX). Every value read is validated; one that is not
 * a state is counted (`invalid_value`), ignored and, when stored, deleted so the fleet can store its state again.
 */
export class SharedCircuitBreaker implements SharedCircuit {
  /**
   * This breaker's id in the fleet: its coordinator's `instanceId` and a sequence number, so two breakers of one
   * name on one coordinator (`registry: null`, two registries) are two members that hear each other, never one.
   */
  readonly replicaId: string;
  private readonly stateKey: string;
  private readonly leaseKey: string;
  private readonly channel: string;
  private readonly unsubscribe: () => void;
  private readonly offReconnect: () => void;

  constructor(
    private readonly coordinator: RedisCoordinator,
    name: string,
    private readonly events: FleetCircuitEvents,
  ) {
    this.stateKey = coordinator.key('circuit_breaker', name);
    this.leaseKey = coordinator.key('circuit_breaker.lease', name);
    this.channel = coordinator.key('circuit_breaker.changes', name);
    this.replicaId = `${coordinator.instanceId}.${++breakers}`;
    this.unsubscribe = coordinator.subscribe(this.channel, message => this.heard(message));
    this.offReconnect = coordinator.onReconnect(() => events.reconnected());
  }

  private heard(message: string): void {
    const written = parseFleetState(message, Date.now());
    if (written === undefined) {
      this.coordinator.invalid('circuit breaker announcement');
      return;
    }
    // This replica learns its own changes from the script's answer.
    if (written.by !== this.replicaId) this.events.announced(written.state);
  }

  async read(): Promise<FleetCircuitState | null | undefined> {
    const raw = await this.coordinator.script('circuit_breaker_read', READ, [this.stateKey], []);
    return raw === undefined ? undefined : this.stored(raw);
  }

  async propose(expected: number, change: FleetCircuitChange): Promise<FleetProposalAnswer | undefined> {
    const args = [String(expected), ...changeArguments(change), this.replicaId];
    const answer = await this.coordinator.script(
      'circuit_breaker_publish',
      PROPOSE,
      [this.stateKey, this.leaseKey],
      [...args, String(STATE_TTL_MS), this.channel],
    );
    if (answer === undefined) return undefined;
    if (!Array.isArray(answer) || answer.length !== 2 || (answer[0] !== 0 && answer[0] !== 1)) {
      return this.untrusted();
    }
    const state = await this.stored(answer[1]);
    return state === undefined ? undefined : { accepted: answer[0] === 1, state };
  }

  async probe(generation: number, leaseMs: number): Promise<FleetProbeAnswer | undefined> {
    const answer = await this.coordinator.script(
      'circuit_breaker_probe',
      PROBE,
      [this.stateKey, this.leaseKey],
      [String(generation), this.replicaId, String(Math.max(1, Math.ceil(leaseMs)))],
    );
    if (answer === undefined) return undefined;
    const [lease, value] = Array.isArray(answer) && answer.length <= 2 ? answer : [];
    if (lease === 'moved') {
      const state = await this.stored(value ?? null);
      return state === undefined ? undefined : { lease, state };
    }
    const valid = Number.isSafeInteger(value) && value >= 0 && value <= MAX_LEASE_MS;
    if ((lease === 'granted' || lease === 'denied') && valid) return { lease, forMs: value };
    return this.untrusted();
  }

  /** A stored value: its state, `null` when none (or one not trusted, then counted and deleted). */
  private async stored(raw: unknown): Promise<FleetCircuitState | null | undefined> {
    if (raw === null) return null;
    const written = parseFleetState(raw, Date.now());
    if (written !== undefined) return written.state;
    this.coordinator.invalid('circuit breaker state');
    if (typeof raw !== 'string') return undefined;
    const discarded = await this.coordinator.script(
      'circuit_breaker_publish',
      DISCARD,
      [this.stateKey],
      [raw],
    );
    return discarded === undefined ? undefined : null;
  }

  private untrusted(): undefined {
    this.coordinator.invalid('circuit breaker answer');
    return undefined;
  }

  /** Stops listening and frees the fleet's probe lease if this breaker holds it (best effort: else it expires). */
  dispose(): void {
    this.unsubscribe();
    this.offReconnect();
    void this.coordinator.script('circuit_breaker_probe', DISCARD, [this.leaseKey], [this.replicaId]);
  }
}
