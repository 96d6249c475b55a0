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
}

export const HELP = `Usage: npm run demo -- [options]

A customer-support agent streaming its answers (real openai and @anthropic-ai/sdk clients, or the AI SDK)
against local fault-injecting providers.
The primary provider goes healthy → rate-limited → outage → recovery → healthy; watch the retries, the
circuit breaker, the fallbacks, the retry budget and the recovery ramp, then read the summary.

Options:
  --framework <name>     clients: the openai and Anthropic clients through run.modelStream;
                         ai-sdk: the AI SDK's streamText with withResilience (default clients)
  --duration <seconds>   length of one scenario cycle (default 60, min 10)
  --scenario <name>      ${Object.keys(SCENARIOS).join(' | ')} (default outage)
  --seed <integer>       seed of the fault schedule (default 42)
  --rate <calls/s>       customer questions per second (default 6, max 200)
  --host <address>       interface for /metrics and the monitoring API (default 127.0.0.1; 0.0.0.0 in containers)
  --metrics-port <port>  Prometheus /metrics (default 9464; 0 = any free port)
  --monitor-port <port>  monitoring API (default 9465; 0 = any free port)
  --loop                 repeat the scenario until Ctrl-C (for docker compose)
  --quiet                no per-second progress lines
  -h, --help             this help

Environment:
  OTEL_EXPORTER_OTLP_ENDPOINT      also export traces and metrics over OTLP/HTTP (e.g. http://127.0.0.1:4318)
  AGENT_RESILIENCE_MONITOR_TOKEN   bearer token enabling POST /circuit-breakers/:name/reset (>= 16 chars)
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

/** Parses and validates the command line; returns undefined after printing help. */
export function parseSettings(argv: readonly string[]): DemoSettings | undefined {
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
  };
  if (settings.metricsPort !== 0 && settings.metricsPort === settings.monitorPort) {
    throw new UsageError(`--metrics-port and --monitor-port must differ, both are ${settings.metricsPort}`);
  }
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
      help: { type: 'boolean', short: 'h' },
    },
  });
}
