import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Ticket, triage } from './triage.js';

const tickets: Ticket[] = Array.from({ length: 30 }, (_, i) => ({ id: `T-${i}`, subject: 'Refund please' }));

describe('ticket-triage example', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('retries transient failures, gives up on permanent ones, and resumes durably', async () => {
    dir = mkdtempSync(join(tmpdir(), 'triage-'));
    const calls = new Map<string, number>();
    const label = async (ticket: Ticket) => {
      const n = (calls.get(ticket.id) ?? 0) + 1;
      calls.set(ticket.id, n);
      if (ticket.id === 'T-13') throw Object.assign(new Error('invalid ticket'), { status: 400 });
      if (n === 1 && Number(ticket.id.slice(2)) % 3 === 0)
        throw Object.assign(new Error('busy'), { status: 503 });
      return 'billing' as const;
    };
    const first = await triage({ stateDir: dir, batchId: 'b1', tickets, label, concurrency: 1 });
    expect(first.status).toBe('completed');
    expect(first.succeeded).toBe(29);
    expect(first.failed).toBe(1);
    expect(first.items.find(i => i.itemId === 'T-13')?.reason).toBe('permanent_failure');
    expect(calls.get('T-3')).toBe(2);

    const again = await triage({ stateDir: dir, batchId: 'b1', tickets, label });
    expect(again.succeeded).toBe(29);
    expect([...calls.values()].reduce((a, b) => a + b, 0)).toBe(30 + 10);
    const audit = readFileSync(join(dir, 'b1.audit.jsonl'), 'utf8').trim().split('\n');
    expect(audit.length).toBeGreaterThanOrEqual(40);
  });
});
