/**
 * The support agent's local tools, with their own faults: a knowledge-base search that is sometimes slow
 * (attempt timeouts, retried) or drops the connection, and an order service that sometimes fails and does not
 * know every order (404: not retried).
 */

import { ORDER_FAILURE_RATE } from './scenario.js';

export interface Article {
  readonly id: string;
  readonly title: string;
}

const ARTICLES: readonly (Article & { readonly keywords: RegExp })[] = [
  { id: 'kb-12', title: 'Refund policy', keywords: /refund|money back/i },
  { id: 'kb-31', title: 'Shipping times', keywords: /ship|deliver/i },
  { id: 'kb-07', title: 'Tracking an order', keywords: /order|track/i },
  { id: 'kb-44', title: 'Resetting your password', keywords: /password|login|account/i },
];

const abortable = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/** A Node-style system error, as a dropped connection surfaces. */
const connectionReset = (): Error =>
  Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' });

export class SupportTools {
  /** Share of order look-ups that fail with 503 (the scenario raises it during an incident). */
  orderFailureRate = ORDER_FAILURE_RATE;

  constructor(private readonly random: () => number) {}

  /** Searches the knowledge base: 8 % of calls hang for 2 s (past the 800 ms attempt timeout), 3 % reset. */
  async searchKnowledgeBase(query: string, signal: AbortSignal): Promise<Article[]> {
    const roll = this.random();
    await abortable(roll < 0.08 ? 2_000 : 10 + this.random() * 40, signal);
    if (roll > 0.97) throw connectionReset();
    return ARTICLES.filter(a => a.keywords.test(query)).map(({ id, title }) => ({ id, title }));
  }

  /** Looks up an order: `orderFailureRate` of calls (5 %) fail with 503; orders ending in 9 do not exist (404). */
  async lookupOrder(orderId: string, signal: AbortSignal): Promise<{ id: string; status: string }> {
    await abortable(20 + this.random() * 60, signal);
    if (this.random() < this.orderFailureRate)
      throw Object.assign(new Error('orders service unavailable'), { status: 503 });
    if (orderId.endsWith('9')) throw Object.assign(new Error(`order ${orderId} not found`), { status: 404 });
    return { id: orderId, status: this.random() < 0.5 ? 'shipped' : 'processing' };
  }
}
