import { createPolicy } from 'agent-resilience';
import {
  type BatchEvent,
  type BatchRunResult,
  createBatchRetryManager,
  createFileBatchStore,
} from 'agent-resilience/batch';

/** A support ticket to label. */
export interface Ticket {
  readonly id: string;
  readonly subject: string;
}

export type Label = 'billing' | 'shipping' | 'account' | 'other';

export interface TriageOptions {
  /** Directory of the durable batch state (state JSON, audit log, lock). */
  readonly stateDir: string;
  /** Identity of this batch; rerunning with the same id resumes it. */
  readonly batchId: string;
  readonly tickets: readonly Ticket[];
  /** The labelling model: a flaky dependency (here simulated). */
  readonly label: (ticket: Ticket, signal: AbortSignal) => Promise<Label>;
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: BatchEvent) => void;
}

/**
 * Labels every ticket once, durably: each attempt is saved before it is acknowledged, transient failures are
 * retried (3 per ticket, 50 for the batch), permanent ones are not, and 5 failures in a row pause the batch.
 * Running it again with the same `batchId` skips finished tickets and continues the rest, e.g. after a crash.
 */
export async function triage(options: TriageOptions): Promise<BatchRunResult<Ticket, Label>> {
  // Each labelling call is also protected on its own: a 5 s attempt timeout, no retry (the batch manager retries).
  const model = createPolicy('triage.label', { attemptTimeoutMs: 5_000, registry: null });
  const batch = await createBatchRetryManager({
    name: 'ticket-triage',
    batchId: options.batchId,
    store: createFileBatchStore({ dir: options.stateDir }),
    maxRetriesPerItem: 3,
    maxRetriesTotal: 50,
    breaker: { consecutiveFailures: 5 },
    backoff: { initialDelayMs: 20, maxDelayMs: 200 },
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  });
  try {
    return await batch.run(
      options.tickets,
      ticket => model.execute(({ signal }) => options.label(ticket, signal)),
      {
        concurrency: options.concurrency ?? 4,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
    );
  } finally {
    await batch.close();
    model.dispose();
  }
}
