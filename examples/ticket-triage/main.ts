/**
 * `npm run triage -w examples`: an agent labels 120 support tickets with a flaky model, durably. Stop it with
 * Ctrl-C and run it again: it continues where it stopped. State lives in `.agent-resilience/triage/`.
 */
import { seededRandom } from '../support-agent/scenario.js';
import { type Label, type Ticket, triage } from './triage.js';

const SUBJECTS = [
  'Refund not received',
  'Where is my parcel?',
  'Cannot reset password',
  'Invoice is wrong',
  'Hello',
];
const tickets: Ticket[] = Array.from({ length: 120 }, (_, i) => ({
  id: `T-${1000 + i}`,
  subject: SUBJECTS[i % SUBJECTS.length]!,
}));
const random = seededRandom(7);

/** A flaky labelling model: 20 % transient 503s, tickets ending in 7 are rejected as invalid (400). */
async function label(ticket: Ticket, signal: AbortSignal): Promise<Label> {
  await new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, 20 + random() * 60);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    void timer;
  });
  if (ticket.id.endsWith('7')) throw Object.assign(new Error('invalid ticket body'), { status: 400 });
  if (random() < 0.2) throw Object.assign(new Error('model overloaded'), { status: 503 });
  if (/refund|invoice/i.test(ticket.subject)) return 'billing';
  if (/parcel/i.test(ticket.subject)) return 'shipping';
  if (/password/i.test(ticket.subject)) return 'account';
  return 'other';
}

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
const result = await triage({
  stateDir: '.agent-resilience/triage',
  batchId: 'triage-demo',
  tickets,
  label,
  signal: controller.signal,
  onEvent: event => {
    if (event.type === 'breaker_tripped')
      console.log(`paused: ${event.consecutiveFailures} failures in a row`);
  },
});
console.log(
  `${result.status}: ${result.succeeded} labelled, ${result.failed} failed permanently, ${result.pending} pending`,
);
for (const item of result.items.filter(i => i.status === 'failed').slice(0, 5)) {
  console.log(
    `  ${item.itemId} failed (${item.reason}): ${item.error?.message ?? 'in an earlier run, see the audit log'}`,
  );
}
console.log('State and audit log: .agent-resilience/triage/triage-demo.json and triage-demo.audit.jsonl');
