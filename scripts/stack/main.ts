/**
 * `npm run stack`: the observability stack on 127.0.0.1 without Docker (see stack.ts and docs/stack.md). Runs
 * until Ctrl-C (SIGINT), SIGTERM, or until any of its processes exits; then stops everything and removes the
 * temp dir. Exit code 0 after Ctrl-C/SIGTERM, 1 when a process failed or the stack could not start, 2 for
 * usage errors.
 */
import { stormCommand } from '../../examples/support-agent/game-day.js';
import { HELP, parseStackOptions, type StackCliOptions, UsageError } from './options.js';
import { localPagePath, PAGING_ALERT, pageBudget } from './page-budget.js';
import { isUp } from './poll.js';
import { describeExit } from './processes.js';
import { INTERRUPTED, type Source, type Stack, StackError, startStack } from './stack.js';

/** Prefixes of the streamed output; Prometheus and Alertmanager only log warnings and errors. */
const PREFIX: Record<Source, string> = {
  demo: '',
  webhook: 'webhook      │ ',
  prometheus: 'prometheus   │ ',
  alertmanager: 'alertmanager │ ',
};

/** The Prometheus UI page `page`: Debian's 2.42 build serves the classic UI under /classic only. */
async function prometheusPage(base: string, page: string): Promise<string> {
  const modern = `${base}/${page}`;
  const ok = await isUp(modern).catch(() => undefined);
  return ok === true ? modern : `${base}/classic/${page}`;
}

async function printUrls(stack: Stack, options: StackCliOptions): Promise<void> {
  const { urls } = stack;
  const alerts = await prometheusPage(urls.prometheus, 'alerts');
  console.log(`agent-resilience stack: scenario "${options.scenario}", ${options.durationSeconds}s cycles`);
  console.log(`  Prometheus UI      ${urls.prometheus}  (alerts: ${alerts})`);
  console.log(`  Alertmanager UI    ${urls.alertmanager}`);
  console.log(`  webhook receiver   ${urls.webhook}/alerts  (notifications received, JSON)`);
  console.log(`  demo /metrics      ${urls.metrics}`);
  console.log(
    `  monitoring API     ${urls.monitor}/health  ${urls.monitor}/circuit-breakers  ${urls.monitor}/chaos`,
  );
  console.log(`  chaos (game day)   ${stormCommand(urls.monitor, stack.monitorToken)}`);
  console.log('                     (docs/game-day.md; the token is made up for this stack)');
  console.log(`  configs and data   ${stack.dir}  (removed on exit)`);
  const budget = pageBudget(localPagePath());
  console.log(
    `A breaker that stays open pages (${PAGING_ALERT}) ${budget.earliestSeconds}–${budget.latestSeconds} s ` +
      'after it opens (dashboards/RUNBOOK.md#time-to-page).',
  );
  console.log('Ctrl-C stops everything.\n');
}

async function run(options: StackCliOptions): Promise<number> {
  const interrupt = new AbortController();
  const stopSignal = new Promise<void>(resolve =>
    interrupt.signal.addEventListener('abort', () => resolve()),
  );
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupt.signal.aborted) return console.error(`(${signal} again: still stopping)`);
    console.error(`\n${signal}: stopping the stack…`);
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The terminal went away: no one to show a summary to, and writing to it may fail. Exit at once; the exit
  // hook of stack.ts kills the processes and removes the temp dir.
  process.once('SIGHUP', () => process.exit(129));

  console.log('starting the webhook receiver, Alertmanager, Prometheus, then the demo…');
  let stack: Stack;
  try {
    stack = await startStack({
      ports: options.ports,
      scenario: options.scenario,
      durationSeconds: options.durationSeconds,
      loop: options.loop,
      quiet: options.quiet,
      onOutput: (source, line) => console.log(`${PREFIX[source]}${line}`),
      signal: interrupt.signal,
    });
  } catch (error) {
    if (!(error instanceof StackError && error.message === INTERRUPTED)) throw error;
    console.error('stopped; temp dir removed.');
    return 0;
  }
  await printUrls(stack, options);
  const reason = await Promise.race([stopSignal.then(() => undefined), stack.exited]);
  let code = 0;
  if (reason !== undefined) {
    const clean = reason.name === 'demo' && reason.code === 0 && !options.loop;
    if (clean) console.error(`${describeExit(reason)}: stopping the stack…`);
    else {
      console.error(`\n${stack.exitError()?.message ?? describeExit(reason)}\nStopping the stack…`);
      code = 1;
    }
  }
  await stack.stop();
  console.error('stopped; temp dir removed.');
  return code;
}

let options: StackCliOptions | undefined;
try {
  options = parseStackOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`error: ${error.message}\nRun with --help for the options.`);
  process.exit(2);
}
if (options === undefined) {
  console.log(HELP);
} else {
  run(options).then(
    code => process.exit(code),
    error => {
      console.error(`error: ${error instanceof StackError ? error.message : (error as Error).stack}`);
      process.exit(1);
    },
  );
}
