import type { Reporter } from './reporter.js';
import type { SupportAgent } from './support-agent.js';

/** What customers ask (`{id}`: an order number). */
export const QUESTIONS = [
  'How do I get a refund for order #{id}?',
  'Where is my order #{id}?',
  'How long does shipping take to Lisbon?',
  'I cannot log in to my account, can you help?',
  'My order #{id} has not been delivered yet.',
  'Can I change the delivery address of order #{id}?',
];

/** Customers asking questions at a steady rate, each in its own conversation thread. */
export class Workload {
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly started: number[] = [];
  private next = 0;

  constructor(
    private readonly rate: number,
    private readonly random: () => number,
    private readonly support: SupportAgent,
    private readonly reporter: Reporter,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.ask(), 1_000 / this.rate);
  }

  private ask(): void {
    const template = QUESTIONS[Math.floor(this.random() * QUESTIONS.length)]!;
    const question = template.replace('{id}', String(1000 + Math.floor(this.random() * 9000)));
    const thread = `thread-${++this.next}`;
    this.started.push(performance.now());
    const call = this.support.answer(question, thread).then(
      reply => this.reporter.callEnded(reply.source),
      () => this.reporter.callEnded('failed'),
    );
    this.inFlight.add(call);
    void call.finally(() => this.inFlight.delete(call));
  }

  /** Calls started in the last second. */
  ratePerSecond(): number {
    const since = performance.now() - 1_000;
    while (this.started.length > 0 && this.started[0]! < since) this.started.shift();
    return this.started.length;
  }

  /** Stops asking and waits (at most `timeoutMs`) for the calls in flight. */
  async stop(timeoutMs: number): Promise<void> {
    clearInterval(this.timer);
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise(resolve => (timeout = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timeout); // a pending timer would keep the process alive after the demo is done
  }
}
