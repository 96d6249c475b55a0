/**
 * The fleet demo's customers: conversations of a few messages each, and one impatient customer who keeps writing
 * in the same thread, sent to the replicas behind a round-robin, so the messages of a thread land on any replica
 * (as behind a load balancer) and only a limit shared by the fleet holds per thread.
 */
import type { Outcome } from './fleet-protocol.js';
import { QUESTIONS } from './workload.js';

/** Share of the messages the impatient customer sends (one thread): at 6 messages/s, 20 per 10 s. */
export const IMPATIENT_SHARE = 1 / 3;
/** The impatient customer's thread. */
export const IMPATIENT_THREAD = 'thread-impatient';
/** Conversations open at once; each has 2 to 4 messages. */
const OPEN_CONVERSATIONS = 4;

/** One customer message: its thread and question. */
export interface Message {
  readonly thread: string;
  readonly question: string;
  /** Sent by the impatient customer. */
  readonly impatient: boolean;
}

/** Picks the thread and the question of each next message. */
export class ConversationMix {
  private readonly open: { thread: string; left: number }[] = [];
  private conversations = 0;

  constructor(private readonly random: () => number) {}

  private question(): string {
    const template = QUESTIONS[Math.floor(this.random() * QUESTIONS.length)]!;
    return template.replace('{id}', String(1000 + Math.floor(this.random() * 9000)));
  }

  next(): Message {
    if (this.random() < IMPATIENT_SHARE) {
      return { thread: IMPATIENT_THREAD, question: this.question(), impatient: true };
    }
    if (this.open.length < OPEN_CONVERSATIONS) {
      this.open.push({ thread: `thread-${++this.conversations}`, left: 2 + Math.floor(this.random() * 3) });
    }
    const index = Math.floor(this.random() * this.open.length);
    const conversation = this.open[index]!;
    if (--conversation.left === 0) this.open.splice(index, 1);
    return { thread: conversation.thread, question: this.question(), impatient: false };
  }
}

/** Each call the next of the candidates, in turn. */
export class RoundRobin {
  private turn = 0;

  next<T>(candidates: readonly T[]): T | undefined {
    if (candidates.length === 0) return undefined;
    return candidates[this.turn++ % candidates.length];
  }
}

/** Where the workload sends its messages: the replicas that are up. */
export interface Target {
  readonly index: number;
  send(message: { kind: 'ask'; id: number; question: string; thread: string }): boolean;
}

/** What the workload tells of each message that ended. */
export type OnAnswered = (replica: number, outcome: Outcome, message: Message) => void;

/** Customers writing at a steady rate across the fleet. */
export class FleetWorkload {
  private timer: NodeJS.Timeout | undefined;
  private readonly mix: ConversationMix;
  private readonly balancer = new RoundRobin();
  private readonly pending = new Map<number, { readonly replica: number; readonly message: Message }>();
  private readonly started: number[] = [];
  private drained: (() => void) | undefined;
  private nextId = 0;

  constructor(
    private readonly rate: number,
    random: () => number,
    private readonly targets: () => readonly Target[],
    private readonly onAnswered: OnAnswered,
  ) {
    this.mix = new ConversationMix(random);
  }

  start(): void {
    this.timer = setInterval(() => this.send(), 1_000 / this.rate);
  }

  private send(): void {
    const message = this.mix.next();
    const target = this.balancer.next(this.targets());
    if (target === undefined) return;
    const id = ++this.nextId;
    this.pending.set(id, { replica: target.index, message });
    this.started.push(performance.now());
    if (!target.send({ kind: 'ask', id, question: message.question, thread: message.thread })) {
      this.answered(id, 'failed');
    }
  }

  /** A replica answered message `id`. */
  answered(id: number, outcome: Outcome): void {
    const entry = this.pending.get(id);
    if (entry === undefined) return;
    this.pending.delete(id);
    this.onAnswered(entry.replica, outcome, entry.message);
    if (this.pending.size === 0) this.drained?.();
  }

  /** Replica `index` is gone: its unanswered messages failed. */
  lost(index: number): void {
    for (const [id, entry] of [...this.pending]) if (entry.replica === index) this.answered(id, 'failed');
  }

  /** Messages sent in the last second. */
  ratePerSecond(): number {
    const since = performance.now() - 1_000;
    while (this.started.length > 0 && this.started[0]! < since) this.started.shift();
    return this.started.length;
  }

  /** Stops sending and waits (at most `timeoutMs`) for the answers; resolves how many never came. */
  async stop(timeoutMs: number): Promise<number> {
    clearInterval(this.timer);
    if (this.pending.size > 0) {
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>(resolve => (this.drained = resolve)),
        new Promise(resolve => (timeout = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timeout);
      this.drained = undefined;
    }
    const unanswered = this.pending.size;
    this.pending.clear();
    return unanswered;
  }
}
