import type { ServerResponse } from 'node:http';
import type { Behavior } from './behavior.js';
import type { ProtocolName } from './protocols/protocol.js';

/** How a request ended. */
export type RequestOutcome =
  /** Still open. */
  | 'pending'
  /** The server sent the whole response. */
  | 'completed'
  /** The client closed the connection before the response was complete (e.g. it aborted). */
  | 'client_closed'
  /** A scripted `drop` destroyed the socket mid-body. */
  | 'dropped'
  /** A scripted `reset` reset the connection before the headers. */
  | 'reset'
  /** A scripted stall reached its `maxMs` and the server destroyed the connection. */
  | 'stall_expired'
  /** The server stopped listening (`refuse()` / `close()`) while the request was open. */
  | 'server_closed';

/** What the fake provider saw and did for one request. Times are `performance.now()` values, in ms. */
export interface ProviderRequestRecord {
  /** 0 for the first request since the provider started or was `clear()`ed. */
  readonly index: number;
  readonly method: string;
  readonly path: string;
  /** Undefined for an unknown route. */
  readonly protocol: ProtocolName | undefined;
  readonly model: string | undefined;
  readonly stream: boolean;
  /** The behaviour that answered it (undefined when the request was invalid or unknown). */
  readonly behavior: Behavior['kind'] | undefined;
  /** The HTTP status sent, once the headers are out. */
  readonly status: number | undefined;
  /** Content chunks sent (streams only). */
  readonly chunksSent: number;
  readonly outcome: RequestOutcome;
  /** True when the client closed the connection before the server finished (`outcome` `client_closed`). */
  readonly clientAborted: boolean;
  readonly startedAt: number;
  /** When the connection of this request closed (the response ended or the socket went away). */
  readonly closedAt: number | undefined;
  /** Resolves with this record once the request's response is closed. */
  readonly closed: Promise<ProviderRequestRecord>;
}

/** The mutable record behind {@link ProviderRequestRecord}. */
export class RequestRecord implements ProviderRequestRecord {
  protocol: ProtocolName | undefined;
  model: string | undefined;
  stream = false;
  behavior: Behavior['kind'] | undefined;
  status: number | undefined;
  chunksSent = 0;
  outcome: RequestOutcome = 'pending';
  clientAborted = false;
  readonly startedAt = performance.now();
  closedAt: number | undefined;
  readonly closed: Promise<ProviderRequestRecord>;

  constructor(
    readonly index: number,
    readonly method: string,
    readonly path: string,
    response: ServerResponse,
  ) {
    this.closed = new Promise(resolve => {
      response.once('close', () => {
        if (this.outcome === 'pending') {
          this.clientAborted = !response.writableFinished;
          this.outcome = this.clientAborted ? 'client_closed' : 'completed';
        }
        this.closedAt = performance.now();
        resolve(this);
      });
    });
  }

  /** Sets how the server itself ended the request, before it destroys the connection. */
  end(outcome: Exclude<RequestOutcome, 'pending' | 'completed' | 'client_closed'>): void {
    if (this.outcome === 'pending') this.outcome = outcome;
  }
}

/** The last `limit` requests, HTTP status counts, and waiters for the next request. */
export class RequestLog {
  private records: RequestRecord[] = [];
  private waiters: ((record: ProviderRequestRecord) => void)[] = [];
  private counts: Record<string, number> = {};
  private nextIndex = 0;

  constructor(private readonly limit: number) {}

  /** Starts the record of a new request. */
  open(method: string, path: string, response: ServerResponse): RequestRecord {
    const record = new RequestRecord(this.nextIndex++, method, path, response);
    this.records.push(record);
    if (this.records.length > 2 * this.limit) this.records = this.records.slice(-this.limit);
    for (const resolve of this.waiters.splice(0)) resolve(record);
    return record;
  }

  /** Counts a status sent. */
  countStatus(status: number): void {
    this.counts[status] = (this.counts[status] ?? 0) + 1;
  }

  /** Marks every open request as ended by the server (it is about to drop all connections). */
  closeOpen(): void {
    for (const record of this.records) if (record.outcome === 'pending') record.end('server_closed');
  }

  next(): Promise<ProviderRequestRecord> {
    return new Promise(resolve => this.waiters.push(resolve));
  }

  get all(): readonly ProviderRequestRecord[] {
    return this.records.slice(-this.limit);
  }

  get statusCounts(): Readonly<Record<string, number>> {
    return { ...this.counts };
  }

  clear(): void {
    this.records = [];
    this.counts = {};
    this.nextIndex = 0;
  }
}
