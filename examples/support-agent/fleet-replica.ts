/**
 * One replica of `npm run demo -- --replicas <n>`: a support-agent process forked by the main process (fleet-main.ts),
 * with its own /metrics, monitoring API and service.instance.id, and ONE Redis coordinator shared by its provider
 * circuit breaker, its retry budget and its per-thread rate limiter, so the fleet acts as one. It answers the
 * questions the main process sends (over IPC) and reports what happens. Bounded: it leaves when told to stop,
 * on SIGTERM, or as soon as the main process is gone; Ctrl-C (sent to the whole process group) is the main
 * process's to handle.
 */
import { classifyError, createRateLimiter, ExecutionRejectedError } from 'agent-resilience';
import { createRedisCoordinator } from 'agent-resilience/redis';
import { replicaPorts, UsageError } from './cli.js';
import { createDemoAgent } from './demo-agent.js';
import { createDemoChaos, injectFaults } from './demo-chaos.js';
import { listenMonitor, listenTelemetry, monitorToken } from './demo-servers.js';
import {
  FLEET_KEY_PREFIX,
  type FromReplica,
  type ReplicaConfig,
  type ReplicaStatus,
  THREAD_LIMIT,
  type ToReplica,
  wallClock,
} from './fleet-protocol.js';
import { seededRandom } from './scenario.js';

/** Longest wait for the answers in flight when told to stop, ms. */
const DRAIN_MS = 15_000;

const send = (message: FromReplica): void => {
  if (process.connected) process.send?.(message);
};

/** Exits once `last` is sent (an exit right after `send` could lose it). */
const exitAfter = (code: number, last?: FromReplica): void => {
  if (last === undefined || !process.connected || process.send === undefined) process.exit(code);
  else process.send(last, () => process.exit(code));
};

async function run(config: ReplicaConfig): Promise<void> {
  const { index, settings } = config;
  const ports = { host: settings.host, ...replicaPorts(settings, index) };
  const portName = (flag: string, port: number) =>
    `replica ${index}'s ${flag} ${port}${index > 1 ? ` (${flag} + ${2 * (index - 1)})` : ''}`;
  const telemetry = await listenTelemetry(ports, portName);
  // The fleet's token (the main process sets it in every replica's environment).
  const chaos = createDemoChaos(seededRandom(settings.seed + 1_000 + index));
  const monitor = await listenMonitor(ports, { token: monitorToken().token, chaos }, portName).catch(
    async error => {
      await telemetry.shutdown();
      throw error;
    },
  );
  const fleet = createRedisCoordinator({ url: config.redisUrl, keyPrefix: FLEET_KEY_PREFIX });
  // "10 messages per 10 s per thread", exactly, over the whole fleet: a thread's messages land on any replica.
  const perThread = createRateLimiter('support.per-thread', {
    kind: 'sliding_window',
    ...THREAD_LIMIT,
    maxKeys: 50_000,
    shared: fleet,
  });
  const { support, tools } = createDemoAgent({
    framework: settings.framework,
    endpoints: config.endpoints,
    random: seededRandom(settings.seed + index),
    shared: fleet,
    chaos,
    hooks: {
      onPrimaryAttempt: () => send({ kind: 'primary', at: wallClock() }),
      onPrimaryRetry: source => send({ kind: 'retry', source }),
      onNotice: () => {},
      onFirstChunk: () => {},
    },
  });
  const transitions = support.breaker.onTransition(t =>
    send({ kind: 'transition', from: t.from, to: t.to, origin: t.origin, at: wallClock() }),
  );

  const status = (): ReplicaStatus => {
    const budget = support.budget.snapshot();
    return {
      breaker: support.breaker.state,
      coordination: fleet.state,
      budgetDenied: budget.denied,
      budgetAvailable: budget.available,
      budgetCapacity: budget.capacity,
      budgetScope: budget.scope ?? 'local',
      budgetReplicas: budget.shared?.replicas,
      trafficRatio: support.recovery?.trafficRatio,
    };
  };
  const statusTimer = setInterval(() => send({ kind: 'status', ...status() }), 1_000);

  const inFlight = new Set<Promise<void>>();
  async function answer(id: number, question: string, thread: string): Promise<void> {
    try {
      await perThread.acquire(thread);
      send({ kind: 'answered', id, outcome: (await support.answer(question, thread)).source });
    } catch (error) {
      if (ExecutionRejectedError.isInstance(error)) send({ kind: 'answered', id, outcome: 'rate_limited' });
      else {
        const { errorType, message } = classifyError(error);
        send({ kind: 'answered', id, outcome: 'failed', reason: `${errorType}: ${message}` });
      }
    }
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(statusTimer);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise(resolve => (timer = setTimeout(resolve, DRAIN_MS))),
      ]);
      clearTimeout(timer);
      transitions.dispose();
      support.dispose();
      perThread.dispose();
      await monitor.close();
      await fleet.dispose();
      await telemetry.shutdown();
      exitAfter(0);
    })();
    return stopping;
  };

  process.on('message', (message: ToReplica) => {
    if (stopping !== undefined) return;
    if (message.kind === 'ask') {
      const call = answer(message.id, message.question, message.thread);
      inFlight.add(call);
      void call.finally(() => inFlight.delete(call));
    } else if (message.kind === 'phase') {
      tools.orderFailureRate = message.orderFailureRate;
      if (message.chaos !== undefined) injectFaults(chaos, message.chaos);
    } else if (message.kind === 'status') send({ kind: 'status', ...status() });
    else if (message.kind === 'stop') void stop();
  });
  process.once('SIGTERM', () => void stop());
  send({
    kind: 'ready',
    metricsUrl: telemetry.metricsUrl,
    monitorUrl: monitor.url,
  });
}

// Ctrl-C reaches every process of the group: the main process stops the fleet in order.
process.on('SIGINT', () => {});
// The main process is gone (it crashed or was killed): leave at once.
process.once('disconnect', () => process.exit(0));
try {
  const config = JSON.parse(process.argv[2] ?? '') as ReplicaConfig;
  await run(config);
} catch (error) {
  const usage = error instanceof UsageError;
  exitAfter(usage ? 2 : 1, {
    kind: 'failed',
    message: error instanceof Error ? error.message : String(error),
    usage,
  });
}
