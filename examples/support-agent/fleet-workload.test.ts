import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Outcome } from './fleet-protocol.js';
import {
  ConversationMix,
  FleetWorkload,
  IMPATIENT_THREAD,
  type Message,
  RoundRobin,
  type Target,
} from './fleet-workload.js';
import { seededRandom } from './scenario.js';

afterEach(() => {
  vi.useRealTimers();
});

/** The threads of `count` messages, sent in turn to `replicas` replicas: thread → replicas it reached. */
function spread(count: number, replicas: number): { messages: Message[]; reached: Map<string, Set<number>> } {
  const mix = new ConversationMix(seededRandom(42));
  const balancer = new RoundRobin();
  const indexes = Array.from({ length: replicas }, (_, i) => i + 1);
  const messages: Message[] = [];
  const reached = new Map<string, Set<number>>();
  for (let i = 0; i < count; i++) {
    const message = mix.next();
    messages.push(message);
    const replica = balancer.next(indexes)!;
    reached.set(message.thread, (reached.get(message.thread) ?? new Set()).add(replica));
  }
  return { messages, reached };
}

describe('ConversationMix', () => {
  it('opens conversations of 2 to 4 messages and gives a third of the messages to the impatient customer', () => {
    const { messages } = spread(600, 3);
    const perThread = new Map<string, number>();
    for (const m of messages) perThread.set(m.thread, (perThread.get(m.thread) ?? 0) + 1);
    const impatient = perThread.get(IMPATIENT_THREAD)!;
    perThread.delete(IMPATIENT_THREAD);
    expect(impatient / messages.length).toBeGreaterThan(0.25);
    expect(impatient / messages.length).toBeLessThan(0.42);
    // Every conversation but the (at most 4) still open ones got 2 to 4 messages.
    const sizes = [...perThread.values()];
    expect(sizes.filter(n => n < 2 || n > 4).length).toBeLessThanOrEqual(4);
    expect(new Set(sizes.filter(n => n >= 2))).toEqual(new Set([2, 3, 4]));
    expect(messages.every(m => m.impatient === (m.thread === IMPATIENT_THREAD))).toBe(true);
  });

  it('asks real questions with order numbers filled in', () => {
    const { messages } = spread(20, 3);
    expect(messages.every(m => m.question.length > 0 && !m.question.includes('{id}'))).toBe(true);
  });
});

describe('RoundRobin', () => {
  it('sends the messages of one thread to several replicas, as a load balancer does', () => {
    const { reached } = spread(300, 3);
    expect(reached.get(IMPATIENT_THREAD)).toEqual(new Set([1, 2, 3]));
    const conversations = [...reached].filter(([thread]) => thread !== IMPATIENT_THREAD);
    const onSeveral = conversations.filter(([, replicas]) => replicas.size > 1).length;
    expect(onSeveral / conversations.length).toBeGreaterThan(0.5);
  });

  it('takes the candidates in turn, and gives none when there are none', () => {
    const balancer = new RoundRobin();
    expect([1, 2, 3, 4].map(() => balancer.next(['a', 'b', 'c']))).toEqual(['a', 'b', 'c', 'a']);
    expect(balancer.next([])).toBeUndefined();
  });
});

describe('FleetWorkload', () => {
  /** Replicas that record what they are asked; `down` ones refuse. */
  function targets(count: number, down: ReadonlySet<number> = new Set()) {
    const asked: { replica: number; id: number; thread: string }[] = [];
    const list: Target[] = Array.from({ length: count }, (_, i) => ({
      index: i + 1,
      send: message => {
        if (down.has(i + 1)) return false;
        asked.push({ replica: i + 1, id: message.id, thread: message.thread });
        return true;
      },
    }));
    return { asked, list };
  }

  it('sends at its rate in turn, hands each answer to the replica that gave it, and waits for the rest', async () => {
    vi.useFakeTimers();
    const { asked, list } = targets(3);
    const ended: [number, Outcome][] = [];
    const workload = new FleetWorkload(
      10,
      seededRandom(1),
      () => list,
      (replica, outcome) => {
        ended.push([replica, outcome]);
      },
    );
    workload.start();
    vi.advanceTimersByTime(500);
    expect(asked.map(a => a.replica)).toEqual([1, 2, 3, 1, 2]);
    workload.answered(asked[1]!.id, 'backup');
    workload.answered(asked[1]!.id, 'primary'); // a second answer to the same message is ignored
    workload.lost(1); // replica 1 is gone: its two messages failed
    expect(ended).toEqual([
      [2, 'backup'],
      [1, 'failed'],
      [1, 'failed'],
    ]);
    const stopping = workload.stop(15_000);
    workload.answered(asked[2]!.id, 'rate_limited');
    workload.answered(asked[4]!.id, 'primary');
    expect(await stopping).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(asked).toHaveLength(5); // stopped sending
  });

  it('gives up on answers that do not come within its timeout, and counts a refused send as failed', async () => {
    vi.useFakeTimers();
    const { asked, list } = targets(2, new Set([2]));
    const ended: Outcome[] = [];
    const workload = new FleetWorkload(
      10,
      seededRandom(1),
      () => list,
      (_replica, outcome) => ended.push(outcome),
    );
    workload.start();
    vi.advanceTimersByTime(200);
    expect(asked).toHaveLength(1);
    expect(ended).toEqual(['failed']);
    const stopping = workload.stop(15_000);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(await stopping).toBe(1);
  });
});
