import { parseArgs } from 'node:util';
import { SCENARIOS } from './scenario.js';

/** How the agent calls its models: the provider clients through `run.modelStream`, or the Vercel AI SDK. */
export const FRAMEWORKS = ['clients', 'ai-sdk'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** Settings of one demo run. */
export interface DemoSettings {
  readonly framework: Framework;
  readonly durationMs: number;
  readonly scenario: string;
  readonly seed: number;
  readonly rate: number;
  readonly host: string;
  readonly metricsPort: number;
  readonly monitorPort: number;
  readonly loop: boolean;
  readonly quiet: boolean;
  /** Support-agent processes behind the round-robin (1: the agent runs in this process). */
  readonly replicas: number;
  /** The Redis the replicas share (`--redis`, else `REDIS_URL`); undefined: none given. */
  readonly redis: string | undefined;
}

/** Most replicas `--replicas` accepts. */
export const MAX_REPLICAS = 8;

export const HELP = `Usage: npm run demo -- [options]

A customer-support agent streaming its answers (real openai and @anthropic-ai/sdk clients, or the AI SDK)
against local fault-injecting providers, with chaos injection for what needs no real HTTP (429 storms, latency).
The primary provider goes healthy → rate-limited → outage → recovery → healthy; watch the retries, hedging, the
circuit breaker, the fallbacks, the retry budget and the recovery ramp, then read the summary.

Options:
  --framework <name>     clients: the openai and Anthropic clients through run.modelStream;
                         ai-sdk: the AI SDK's streamText with withResilience (default clients)
  --duration <seconds>   length of one scenario cycle (default 60, min 10)
  --scenario <name>      ${Object.keys(SCENARIOS).join(' | ')} (default outage); game-day: a 429 storm
                         injected, held and switched off (--duration 300 lets the budget alert fire and resolve);
                         steady leaves chaos to POST /chaos (docs/game-day.md)
  --seed <integer>       seed of the fault schedule (default 42)
  --rate <calls/s>       customer questions per second (default 6, max 200)
  --host <address>       interface for /metrics and the monitoring API (default 127.0.0.1; 0.0.0.0 in containers)
  --metrics-port <port>  Prometheus /metrics (default 9464; 0 = any free port)
  --monitor-port <port>  monitoring API (default 9465; 0 = any free port)
  --loop                 repeat the scenario until Ctrl-C (for docker compose)
  --quiet                no per-second progress lines
  --replicas <n>         run n support-agent processes (1-${MAX_REPLICAS}) behind a round-robin; they share the provider's
                         circuit breaker, the retry budget and the per-thread rate limit through Redis (default 1:
                         the agent runs in this process). Replica k serves /metrics on --metrics-port + 2(k-1) and
                         the monitoring API on --monitor-port + 2(k-1)
  --redis <url>          the Redis to share state through (redis:// or rediss://; default REDIS_URL). With
                         --replicas > 1 and none given, a local redis-server is started for the run (and stopped)
  -h, --help             this help

Environment:
  REDIS_URL                        default of --redis
  OTEL_EXPORTER_OTLP_ENDPOINT      also export traces and metrics over OTLP/HTTP (e.g. http://127.0.0.1:4318)
  AGENT_RESILIENCE_MONITOR_TOKEN   bearer token of the monitoring API's changes (POST /chaos, POST
                                   /circuit-breakers/:name/reset; 16+ visible characters); default: a random one,
                                   printed at start
  AGENT_RESILIENCE_CHAOS           chaos injection into the primary model's calls from the start, e.g.
                                   rate_limited=0.5 or JSON settings (docs/game-day.md)
`;

/** A usage error: printed with the help hint, exit code 2. */
export class UsageError extends Error {}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^-?\d+(\.\d+)?$/.test(raw.trim()) || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a number in [${min}, ${max}], got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** `--replicas`: an integer in [1, {@link MAX_REPLICAS}]. */
function replicasOf(raw: string | undefined): number {
  if (raw === undefined) return 1;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < 1 || value > MAX_REPLICAS) {
    throw new UsageError(`--replicas must be an integer in [1, ${MAX_REPLICAS}], got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** A URL with its user and password hidden (a Redis URL may carry a password). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
}

/** `--redis` (else `REDIS_URL`): a redis:// or rediss:// URL with a host. */
function redisOf(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = env.REDIS_URL?.trim() === '' ? undefined : env.REDIS_URL;
  const raw = flag ?? fromEnv;
  if (raw === undefined) return undefined;
  const parsed = URL.canParse(raw) ? new URL(raw) : undefined;
  if (parsed === undefined || !/^rediss?:$/.test(parsed.protocol) || parsed.hostname === '') {
    const source = flag === undefined ? 'REDIS_URL (the default of --redis)' : '--redis';
    throw new UsageError(
      `${source} must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379, got ${JSON.stringify(redactUrl(raw))}`,
    );
  }
  return raw;
}

/** The /metrics and monitoring-API ports of replica `k` (1-based): the base ports + 2(k-1); 0 stays 0 (any free). */
export function replicaPorts(
  settings: Pick<DemoSettings, 'metricsPort' | 'monitorPort'>,
  k: number,
): { readonly metricsPort: number; readonly monitorPort: number } {
  const shift = (port: number) => (port === 0 ? 0 : port + 2 * (k - 1));
  return { metricsPort: shift(settings.metricsPort), monitorPort: shift(settings.monitorPort) };
}

/** With several replicas, every port they bind must be valid and distinct. */
function checkFleetPorts(settings: DemoSettings): void {
  const taken = new Map<number, string>();
  for (let k = 1; k <= settings.replicas; k++) {
    const ports = replicaPorts(settings, k);
    for (const [flag, port] of [
      ['--metrics-port', ports.metricsPort],
      ['--monitor-port', ports.monitorPort],
    ] as const) {
      const what = flag === '--metrics-port' ? '/metrics' : 'monitoring API';
      const use = `replica ${k}'s ${what} (${k === 1 ? flag : `${flag} + ${2 * (k - 1)}`})`;
      if (port > 65_535) {
        throw new UsageError(
          `${flag} is too high for ${settings.replicas} replicas: ${use} would be ${port}`,
        );
      }
      const other = taken.get(port);
      if (port !== 0 && other !== undefined) {
        throw new UsageError(
          `with --replicas ${settings.replicas}, ${use} and ${other} would both use port ${port}: pick --metrics-port and --monitor-port further apart, or 0 for free ports`,
        );
      }
      taken.set(port, use);
    }
  }
}

/** Parses and validates the command line (`env`: where `REDIS_URL` is read); returns undefined after printing help. */
export function parseSettings(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): DemoSettings | undefined {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return undefined;
  const scenario = values.scenario ?? 'outage';
  if (SCENARIOS[scenario] === undefined) {
    throw new UsageError(
      `--scenario must be one of ${Object.keys(SCENARIOS).join(', ')}, got ${JSON.stringify(scenario)}`,
    );
  }
  const framework = values.framework ?? 'clients';
  if (!(FRAMEWORKS as readonly string[]).includes(framework)) {
    throw new UsageError(
      `--framework must be one of ${FRAMEWORKS.join(', ')}, got ${JSON.stringify(framework)}`,
    );
  }
  const settings: DemoSettings = {
    framework: framework as Framework,
    durationMs: integer('duration', values.duration, 60, 10, 86_400) * 1000,
    scenario,
    seed: Math.trunc(integer('seed', values.seed, 42, 0, 2 ** 32 - 1)),
    rate: integer('rate', values.rate, 6, 0.1, 200),
    host: values.host ?? '127.0.0.1',
    metricsPort: Math.trunc(integer('metrics-port', values['metrics-port'], 9464, 0, 65_535)),
    monitorPort: Math.trunc(integer('monitor-port', values['monitor-port'], 9465, 0, 65_535)),
    loop: values.loop ?? false,
    quiet: values.quiet ?? false,
    replicas: replicasOf(values.replicas),
    redis: redisOf(values.redis, env),
  };
  if (settings.metricsPort !== 0 && settings.metricsPort === settings.monitorPort) {
    throw new UsageError(`--metrics-port and --monitor-port must differ, both are ${settings.metricsPort}`);
  }
  checkFleetPorts(settings);
  return settings;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      framework: { type: 'string' },
      duration: { type: 'string' },
      scenario: { type: 'string' },
      seed: { type: 'string' },
      rate: { type: 'string' },
      host: { type: 'string' },
      'metrics-port': { type: 'string' },
      'monitor-port': { type: 'string' },
      loop: { type: 'boolean' },
      quiet: { type: 'boolean' },
      replicas: { type: 'string' },
      redis: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
