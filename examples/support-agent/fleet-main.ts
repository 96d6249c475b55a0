/**
 * `npm run demo -- --replicas <n>`: the support agent as a fleet of n processes sharing their provider circuit
 * breaker, retry budget and per-thread rate limit through Redis. This process runs the fake providers (one
 * outage for the whole fleet), a Redis if none is given, and the load balancer: a round-robin sending each
 * customer message to the next replica. It prints the fleet's progress and, per cycle, per-replica and fleet
 * figures showing that the fleet stopped calling the failing provider together.
 */
import { type DemoSettings, redactUrl, UsageError } from './cli.js';
import { switchOnCommand } from './demo-chaos.js';
import { DemoProviders } from './demo-providers.js';
import { type MonitorToken, monitorToken } from './demo-servers.js';
import { type FromReplica, type ReplicaStatus, THREAD_LIMIT, wallClock } from './fleet-protocol.js';
import { findRedisServer, LocalRedisServer } from './fleet-redis.js';
import { ReplicaProcess } from './fleet-replicas.js';
import { FleetReporter } from './fleet-reporter.js';
import { fleetSummary } from './fleet-summary.js';
import { FleetWorkload } from './fleet-workload.js';
import { ORDER_FAILURE_RATE, Schedule, seededRandom } from './scenario.js';

/** Longest wait for the answers in flight at the end of a cycle, ms. */
const DRAIN_MS = 15_000;

/** Why the fleet cannot start without a Redis, and the two ways out. */
export const noRedisMessage = (replicas: number): string =>
  `--replicas ${replicas} needs a Redis for the replicas to share their state: pass --redis redis://<host>:6379 ` +
  '(or set REDIS_URL), or install redis-server so the demo can start a local one ' +
  '(Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)';

/** The given Redis, or a local redis-server started for the run. */
async function resolveRedis(
  settings: DemoSettings,
): Promise<{ readonly url: string; readonly local: LocalRedisServer | undefined }> {
  if (settings.redis !== undefined) return { url: settings.redis, local: undefined };
  const binary = findRedisServer();
  if (binary === undefined) throw new UsageError(noRedisMessage(settings.replicas));
  const local = await LocalRedisServer.start(binary);
  return { url: local.url, local };
}

/** The latest status of every replica, asked now (each wait bounded). */
async function statusesOf(
  replicas: readonly ReplicaProcess[],
): Promise<Map<number, ReplicaStatus | undefined>> {
  const statuses = await Promise.all(replicas.map(r => r.statusNow()));
  return new Map(replicas.map((r, i) => [r.index, statuses[i]]));
}

function printHeader(
  settings: DemoSettings,
  redis: { readonly url: string; readonly local: LocalRedisServer | undefined },
  replicas: readonly ReplicaProcess[],
  served: readonly { readonly metricsUrl: string | undefined; readonly monitorUrl: string }[],
  token: MonitorToken,
): void {
  const models =
    settings.framework === 'ai-sdk'
      ? 'models through the AI SDK (streamText + withResilience)'
      : 'models through the openai and Anthropic clients (run.modelStream)';
  console.log(
    `agent-resilience demo: a fleet of ${settings.replicas} support-agent replicas, scenario "${settings.scenario}", ${settings.durationMs / 1000}s, ${settings.rate} messages/s across the fleet, seed ${settings.seed}, ${models}`,
  );
  console.log(
    `  Redis                 ${redactUrl(redis.url)}${redis.local === undefined ? '' : ' (a redis-server started for this run, stopped at exit)'}`,
  );
  for (const [i, replica] of replicas.entries()) {
    const { metricsUrl, monitorUrl } = served[i]!;
    console.log(
      `  replica ${replica.index}             metrics ${metricsUrl ?? '-'}  monitoring ${monitorUrl}/circuit-breakers  service.instance.id ${replica.instanceId}`,
    );
  }
  console.log(
    `  shared through Redis  the "openai" circuit breaker, the "llm-retries" retry budget, the "support.per-thread" limit (${THREAD_LIMIT.limit} messages per ${THREAD_LIMIT.intervalMs / 1000} s per thread)`,
  );
  console.log(
    '  chaos injection       per replica, into its primary model calls; a 429 storm on replica 1 (docs/game-day.md):',
  );
  console.log(`                        ${switchOnCommand(served[0]!.monitorUrl, token)}`);
  console.log(
    '  load balancer         round-robin: each message goes to the next replica, whatever its thread; conversations of 2-4 messages, and one impatient customer writing a third of all messages in one thread',
  );
  console.log(
    `  OTLP export           ${process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'off (set OTEL_EXPORTER_OTLP_ENDPOINT)'}`,
  );
  if (replicas.every(r => r.status?.coordination !== 'connected')) {
    console.log(
      '  warning               Redis does not answer yet: each replica runs on its own state until it does',
    );
  }
}

/** Runs the fleet demo until the scenario ends (every cycle with `--loop`) or Ctrl-C; stops everything it started. */
export async function runFleet(settings: DemoSettings): Promise<void> {
  let stopping = false;
  let requestStop = () => {};
  const stopped = new Promise<void>(resolve => (requestStop = resolve));
  const replicas: ReplicaProcess[] = [];
  let redis: Awaited<ReturnType<typeof resolveRedis>> | undefined;
  // Whatever ends this process (an error, a second Ctrl-C), nothing it started keeps running.
  const killAll = () => {
    for (const replica of replicas) replica.kill();
    redis?.local?.kill();
  };
  const onSignal = () => {
    if (stopping) {
      console.error('\nStopping at once.');
      killAll();
      process.exit(130);
    }
    stopping = true;
    console.log('\nStopping the fleet (Ctrl-C again to stop at once)…');
    requestStop();
  };
  process.on('exit', killAll);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const token = monitorToken();
  const random = seededRandom(settings.seed);
  const providers = new DemoProviders(random);
  let reporter: FleetReporter | undefined;
  let workload: FleetWorkload | undefined;
  const onMessage = (replica: ReplicaProcess, message: FromReplica) => {
    if (message.kind === 'answered') {
      workload?.answered(message.id, message.outcome);
      if (message.reason !== undefined)
        reporter?.event(`replica ${replica.index}: a message failed (${message.reason})`);
    } else if (message.kind === 'primary') reporter?.primaryCall(replica.index, message.at);
    else if (message.kind === 'retry') reporter?.retried(replica.index, message.source);
    else if (message.kind === 'transition') reporter?.transition(replica.index, message);
    else if (message.kind === 'status') reporter?.status(replica.index, message);
  };
  const onExit = (replica: ReplicaProcess, code: number | null, signal: string | null) => {
    reporter?.event(`replica ${replica.index} exited (${signal ?? `code ${code}`}); the others go on`);
    workload?.lost(replica.index);
  };
  try {
    redis = await resolveRedis(settings);
    await providers.start();
    for (let index = 1; index <= settings.replicas; index++) {
      const config = { index, settings, redisUrl: redis.url, endpoints: providers.endpoints };
      replicas.push(ReplicaProcess.fork(config, token.token, onMessage, onExit));
    }
    const served = await Promise.race([Promise.all(replicas.map(r => r.ready())), stopped]);
    if (served === undefined) return;
    await statusesOf(replicas);
    printHeader(settings, redis, replicas, served, token);

    const schedule = new Schedule(settings.scenario, settings.durationMs);
    do {
      const baseline = await statusesOf(replicas);
      const cycleStart = performance.now();
      const elapsed = () => performance.now() - cycleStart;
      const cycle = new FleetReporter(baseline, elapsed);
      reporter = cycle;
      const load = new FleetWorkload(
        settings.rate,
        random,
        () => replicas.filter(r => r.alive),
        (replica, outcome, message) => cycle.answered(replica, outcome, message),
      );
      workload = load;
      let phaseIndex = -1;
      const drive = async () => {
        const { phase, index, progress } = schedule.at(elapsed());
        await providers.follow(phase, progress);
        if (index === phaseIndex) return;
        phaseIndex = index;
        const orderFailureRate = phase.orderFailureRate ?? ORDER_FAILURE_RATE;
        const chaos = schedule.drivesChaos ? { chaos: phase.chaos ?? [] } : {};
        for (const replica of replicas) replica.send({ kind: 'phase', orderFailureRate, ...chaos });
        cycle.enterPhase(phase, wallClock());
      };
      await drive();
      load.start();
      const driver = setInterval(() => void drive(), 250);
      const ticker = setInterval(() => cycle.tick(load.ratePerSecond(), settings.quiet), 1_000);
      let cycleTimer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise(resolve => (cycleTimer = setTimeout(resolve, settings.durationMs))),
        stopped,
      ]);
      clearTimeout(cycleTimer);
      clearInterval(driver);
      clearInterval(ticker);
      const unanswered = await load.stop(DRAIN_MS);
      const end = wallClock();
      const record = cycle.record(settings, await statusesOf(replicas), unanswered, end);
      console.log(
        `\nFleet summary of scenario "${settings.scenario}" (seed ${settings.seed}, ${settings.replicas} replicas):\n${fleetSummary(record)}`,
      );
      console.log(providers.statusLine());
    } while (settings.loop && !stopping);
    console.log('\nDone.');
  } finally {
    reporter = undefined;
    workload = undefined;
    await Promise.all(replicas.map(r => r.stop()));
    await providers.stop();
    await redis?.local?.stop();
    process.off('exit', killAll);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
