/**
 * `npm run demo`: a customer-support agent under a scripted provider outage, with live progress, a summary, and
 * its telemetry on /metrics (and over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set). With `--replicas n` (n > 1)
 * it runs a fleet of n agent processes sharing state through Redis instead (fleet-main.ts).
 */
import { createRedisCoordinator } from 'agent-resilience/redis';
import { type DemoSettings, HELP, parseSettings, redactUrl, UsageError } from './cli.js';
import { createDemoAgent } from './demo-agent.js';
import { createDemoChaos, describeChaos, injectedLine, injectFaults, switchOnCommand } from './demo-chaos.js';
import { DemoProviders } from './demo-providers.js';
import { listenMonitor, listenTelemetry, monitorToken } from './demo-servers.js';
import { runFleet } from './fleet-main.js';
import { FLEET_KEY_PREFIX } from './fleet-protocol.js';
import { readStreamCounters } from './metrics-probe.js';
import { Reporter } from './reporter.js';
import { ORDER_FAILURE_RATE, Schedule, seededRandom } from './scenario.js';
import { Workload } from './workload.js';

async function main(settings: DemoSettings): Promise<void> {
  const token = monitorToken();
  const telemetry = await listenTelemetry(settings);
  const random = seededRandom(settings.seed);
  const chaos = createDemoChaos(random);
  const providers = new DemoProviders(random);
  await providers.start();
  // With --redis (or REDIS_URL), this process is one replica of a fleet (e.g. docker compose): its provider
  // breaker and retry budget are shared through Redis.
  const shared =
    settings.redis === undefined
      ? undefined
      : createRedisCoordinator({ url: settings.redis, keyPrefix: FLEET_KEY_PREFIX });
  const schedule = new Schedule(settings.scenario, settings.durationMs);
  let cycleStart = performance.now();
  const elapsed = () => performance.now() - cycleStart;
  let reporter: Reporter | undefined;
  const { support, tools } = createDemoAgent({
    framework: settings.framework,
    endpoints: providers.endpoints,
    random,
    shared,
    chaos,
    hooks: {
      onPrimaryAttempt: () => reporter?.primaryAttempt(),
      onPrimaryRetry: source => reporter?.retried(source),
      onNotice: text => reporter?.event(text),
      onFirstChunk: ms => reporter?.firstChunk(ms),
    },
  });
  const monitor = await listenMonitor(settings, { token: token.token, chaos });

  console.log(
    `agent-resilience demo: scenario "${settings.scenario}", ${settings.durationMs / 1000}s, ${settings.rate} questions/s, seed ${settings.seed}, ${settings.framework === 'ai-sdk' ? 'models through the AI SDK (streamText + withResilience)' : 'models through the openai and Anthropic clients (run.modelStream)'}`,
  );
  console.log(`  metrics (Prometheus)  ${telemetry.metricsUrl}`);
  console.log(
    `  monitoring API        ${monitor.url}/health  ${monitor.url}/circuit-breakers  ${monitor.url}/retry-budgets  ${monitor.url}/recovery  ${monitor.url}/chaos`,
  );
  console.log(
    `  chaos injection       ${schedule.drivesChaos ? `set by the "${settings.scenario}" scenario's phases` : describeChaos(chaos.state())}; a 429 storm on the primary model (docs/game-day.md):`,
  );
  console.log(`                        ${switchOnCommand(monitor.url, token)}`);
  console.log(
    `  OTLP export           ${telemetry.otlpEnabled ? process.env.OTEL_EXPORTER_OTLP_ENDPOINT : 'off (set OTEL_EXPORTER_OTLP_ENDPOINT)'}`,
  );
  console.log(
    '  dashboards            with the stack: docker compose up, then http://127.0.0.1:3000 (see docs/stack.md)',
  );
  if (settings.redis !== undefined) {
    console.log(
      `  shared through Redis  ${redactUrl(settings.redis)}: the "openai" circuit breaker and the "llm-retries" retry budget`,
    );
  }

  let stopping = false;
  const stop = new Promise<void>(resolve => {
    process.once('SIGINT', () => {
      stopping = true;
      resolve();
    });
    process.once('SIGTERM', () => {
      stopping = true;
      resolve();
    });
  });
  let chaosNow = describeChaos(chaos.state());
  do {
    cycleStart = performance.now();
    reporter = new Reporter(support, elapsed);
    const workload = new Workload(settings.rate, random, support, reporter);
    const chaosAtStart = chaos.state();
    let phaseIndex = -1;
    const drive = async () => {
      const { phase, index, progress } = schedule.at(elapsed());
      await providers.follow(phase, progress);
      tools.orderFailureRate = phase.orderFailureRate ?? ORDER_FAILURE_RATE;
      if (index !== phaseIndex) {
        phaseIndex = index;
        if (schedule.drivesChaos) injectFaults(chaos, phase.chaos);
        reporter?.countersRead(await readStreamCounters(telemetry.metricsUrl));
        reporter?.enterPhase(phase.name, phase.narration);
      }
      // Switched by the phase, POST /chaos or AGENT_RESILIENCE_CHAOS: say so.
      const described = describeChaos(chaos.state());
      if (described !== chaosNow) reporter?.event(`chaos injection ${described}`);
      chaosNow = described;
    };
    await drive();
    workload.start();
    const driver = setInterval(() => void drive(), 250);
    const ticker = settings.quiet
      ? undefined
      : setInterval(() => reporter?.tick(workload.ratePerSecond()), 1_000);
    let cycleTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise(resolve => (cycleTimer = setTimeout(resolve, settings.durationMs))),
      stop,
    ]);
    clearTimeout(cycleTimer); // else a Ctrl-C keeps the process alive until the cycle would have ended
    clearInterval(driver);
    if (ticker !== undefined) clearInterval(ticker);
    await workload.stop(15_000);
    reporter.countersRead(await readStreamCounters(telemetry.metricsUrl));
    console.log(
      `\nSummary of scenario "${settings.scenario}" (seed ${settings.seed}):\n${reporter.summary()}`,
    );
    console.log(providers.statusLine());
    const injected = injectedLine(chaosAtStart, chaos.state());
    if (injected !== undefined) console.log(injected);
    reporter.dispose();
  } while (settings.loop && !stopping);

  console.log(`\nMetrics stay at ${telemetry.metricsUrl} until exit. Done.`);
  support.dispose();
  await monitor.close();
  await providers.stop();
  await shared?.dispose();
  await telemetry.shutdown();
}

let settings: DemoSettings | undefined;
try {
  settings = parseSettings(process.argv.slice(2));
} catch (error) {
  console.error(`error: ${(error as Error).message}\nRun with --help for the options.`);
  process.exit(2);
}
if (settings === undefined) {
  console.log(HELP);
} else {
  (settings.replicas > 1 ? runFleet(settings) : main(settings)).catch(error => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
}
