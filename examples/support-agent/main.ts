/**
 * `npm run demo`: a customer-support agent under a scripted provider outage, with live progress, a summary, and
 * its telemetry on /metrics (and over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set).
 */
import Anthropic from '@anthropic-ai/sdk';
import { type MonitorServer, startMonitorServer } from 'agent-resilience/monitor';
import { startTelemetry } from 'agent-resilience/otel';
import OpenAI from 'openai';
import { createAiSdkReplies } from './ai-sdk-replies.js';
import { type DemoSettings, HELP, parseSettings, UsageError } from './cli.js';
import { createClientReplies } from './client-replies.js';
import { FakeAnthropic } from './fake-anthropic.js';
import { FakeOpenAI } from './fake-openai.js';
import { readStreamCounters } from './metrics-probe.js';
import { Reporter } from './reporter.js';
import { ORDER_FAILURE_RATE, Schedule, seededRandom } from './scenario.js';
import { createSupportAgent } from './support-agent.js';
import { SupportTools } from './tools.js';
import { Workload } from './workload.js';

/** The monitoring API on a hardened server (timeouts, size limits, loopback unless a token is set). */
async function listenMonitor(settings: DemoSettings): Promise<MonitorServer> {
  const token = process.env.AGENT_RESILIENCE_MONITOR_TOKEN;
  try {
    return await startMonitorServer({
      host: settings.host,
      port: settings.monitorPort,
      ...(token === undefined ? {} : { token }),
    });
  } catch (error) {
    const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
    throw cause?.code === 'EADDRINUSE'
      ? new UsageError(`--monitor-port ${settings.monitorPort} is already in use on ${settings.host}`)
      : error;
  }
}

async function main(settings: DemoSettings): Promise<void> {
  const telemetry = await startTelemetry({
    serviceName: 'support-agent',
    serviceVersion: '0.1.0',
    prometheus: { host: settings.host, port: settings.metricsPort },
  }).catch(error => {
    throw /already in use/.test(String(error))
      ? new UsageError(`--metrics-port ${settings.metricsPort} is already in use on ${settings.host}`)
      : error;
  });
  const random = seededRandom(settings.seed);
  const primary = new FakeOpenAI(random);
  const backup = new FakeAnthropic(random);
  await primary.start();
  await backup.start();
  const openai = new OpenAI({
    apiKey: 'sk-demo-local-not-a-real-key',
    baseURL: primary.baseURL,
    maxRetries: 0,
    timeout: 15_000,
  });
  // The Anthropic client traces its own calls (ANTHROPIC_OPEN_TELEMETRY): the backup call is resilience-only.
  const anthropic = new Anthropic({
    apiKey: 'sk-ant-demo-local-not-a-real-key',
    baseURL: backup.baseURL,
    maxRetries: 0,
  });
  const schedule = new Schedule(settings.scenario, settings.durationMs);
  let cycleStart = performance.now();
  const elapsed = () => performance.now() - cycleStart;
  let reporter: Reporter | undefined;
  const tools = new SupportTools(random);
  const support = createSupportAgent({
    tools,
    replies: context =>
      settings.framework === 'ai-sdk'
        ? createAiSdkReplies(context, {
            primaryBaseURL: primary.baseURL,
            backupBaseURL: backup.openaiBaseURL,
            primaryHealthUrl: primary.healthURL,
          })
        : createClientReplies(context, { openai, anthropic, primaryHealthUrl: primary.healthURL }),
    onPrimaryAttempt: () => reporter?.primaryAttempt(),
    onPrimaryRetry: source => reporter?.retried(source),
    onNotice: text => reporter?.event(text),
    onFirstChunk: ms => reporter?.firstChunk(ms),
  });
  const monitor = await listenMonitor(settings);

  console.log(
    `agent-resilience demo: scenario "${settings.scenario}", ${settings.durationMs / 1000}s, ${settings.rate} questions/s, seed ${settings.seed}, ${settings.framework === 'ai-sdk' ? 'models through the AI SDK (streamText + withResilience)' : 'models through the openai and Anthropic clients (run.modelStream)'}`,
  );
  console.log(`  metrics (Prometheus)  ${telemetry.metricsUrl}`);
  console.log(
    `  monitoring API        ${monitor.url}/health  ${monitor.url}/circuit-breakers  ${monitor.url}/retry-budgets  ${monitor.url}/recovery`,
  );
  console.log(
    `  OTLP export           ${telemetry.otlpEnabled ? process.env.OTEL_EXPORTER_OTLP_ENDPOINT : 'off (set OTEL_EXPORTER_OTLP_ENDPOINT)'}`,
  );
  console.log(
    '  dashboards            with the stack: docker compose up, then http://127.0.0.1:3000 (see docs/stack.md)',
  );

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
  do {
    cycleStart = performance.now();
    reporter = new Reporter(support, elapsed);
    const workload = new Workload(settings.rate, random, support, reporter);
    let phaseIndex = -1;
    const drive = async () => {
      const { phase, index, progress } = schedule.at(elapsed());
      const errorRate =
        phase.mode === 'recovering' ? (phase.errorRate ?? 0) * (1 - progress) : (phase.errorRate ?? 0);
      await primary.setMode(phase.mode, errorRate);
      primary.streamFaults = phase.streamFaults ?? 0;
      backup.overloadRate = phase.backupOverload ?? 0.02;
      tools.orderFailureRate = phase.orderFailureRate ?? ORDER_FAILURE_RATE;
      if (index !== phaseIndex) {
        phaseIndex = index;
        reporter?.countersRead(await readStreamCounters(telemetry.metricsUrl));
        reporter?.enterPhase(phase.name, phase.narration);
      }
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
    console.log(
      `Primary provider answered: ${JSON.stringify(primary.statuses)}; backup provider: ${JSON.stringify(backup.statuses)}`,
    );
    reporter.dispose();
  } while (settings.loop && !stopping);

  console.log(`\nMetrics stay at ${telemetry.metricsUrl} until exit. Done.`);
  support.dispose();
  await monitor.close();
  await primary.stop();
  await backup.stop();
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
  main(settings).catch(error => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
}
