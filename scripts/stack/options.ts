/** Command line of `npm run stack`: options, help and validation. */
import { parseArgs } from 'node:util';
import { SCENARIOS } from '../../examples/support-agent/scenario.js';
import { SCRAPE_INTERVAL_SECONDS } from './configs.js';
import { pagingRule } from './page-budget.js';
import { DEFAULT_PORTS, PORT_OPTIONS, type PortName, type StackPorts } from './ports.js';

export interface StackCliOptions {
  readonly ports: StackPorts;
  readonly scenario: string;
  readonly durationSeconds: number;
  readonly loop: boolean;
  readonly quiet: boolean;
}

export const DEFAULT_SCENARIO = 'incident';
export const DEFAULT_DURATION_SECONDS = 150;

/** The alert rule group's own evaluation interval, which the local stack keeps. */
const ALERT_EVALUATION_SECONDS = pagingRule(SCRAPE_INTERVAL_SECONDS).evaluationSeconds;

const portLines = (Object.keys(PORT_OPTIONS) as PortName[])
  .map(name => {
    const { option, what, default: port } = PORT_OPTIONS[name];
    return `  ${`--${option} <port>`.padEnd(27)}${what} (default ${port})`;
  })
  .join('\n');

export const HELP = `Usage: npm run stack -- [options]

Runs the observability stack locally without Docker, on 127.0.0.1 only: the demo agent (looping its fault
scenario; embedded /metrics and monitoring API), Prometheus with the repository's alert and recording rules
(scraping the demo and evaluating rules every ${SCRAPE_INTERVAL_SECONDS}s, the alert rules every ${ALERT_EVALUATION_SECONDS}s), Alertmanager with the repository's routes, and the
webhook receiver that logs each alert notification. Needs Debian's prometheus and prometheus-alertmanager
packages (apt-get install -y prometheus prometheus-alertmanager). Prints the URLs, streams the demo's output and the
notifications; Ctrl-C stops everything and removes the temp dir. See docs/stack.md.

Options:
  --scenario <name>          demo scenario: ${Object.keys(SCENARIOS).join(' | ')} (default ${DEFAULT_SCENARIO})
  --duration <seconds>       length of one scenario cycle, 10..86400 (default ${DEFAULT_DURATION_SECONDS});
                             "incident" needs >= 150 s to keep the breaker open well past the alert's \`for\`
${portLines}
                             0 = any free port; every port must be free on 127.0.0.1
  --once                     run the scenario once, then stop the stack (default: loop until Ctrl-C)
  --quiet                    no per-second progress lines from the demo
  -h, --help                 this help
`;

/** A usage error: printed with the help hint, exit code 2. */
export class UsageError extends Error {}

function integer(option: string, raw: string | undefined, fallback: number, min: number, max: number) {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new UsageError(`--${option} must be an integer in [${min}, ${max}], got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

/** Parses and validates the command line; undefined means --help. */
export function parseStackOptions(argv: readonly string[]): StackCliOptions | undefined {
  const portFlags = Object.fromEntries(
    Object.values(PORT_OPTIONS).map(p => [p.option, { type: 'string' as const }]),
  );
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        scenario: { type: 'string' },
        duration: { type: 'string' },
        once: { type: 'boolean' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        ...portFlags,
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help === true) return undefined;
  const text = (name: string) => values[name] as string | undefined;
  const scenario = text('scenario') ?? DEFAULT_SCENARIO;
  if (SCENARIOS[scenario] === undefined) {
    throw new UsageError(
      `--scenario must be one of ${Object.keys(SCENARIOS).join(', ')}, got ${JSON.stringify(scenario)}`,
    );
  }
  const ports = Object.fromEntries(
    (Object.keys(PORT_OPTIONS) as PortName[]).map(name => {
      const { option } = PORT_OPTIONS[name];
      return [name, integer(option, text(option), DEFAULT_PORTS[name], 0, 65_535)];
    }),
  ) as Record<PortName, number>;
  const seen = new Map<number, string>();
  for (const name of Object.keys(ports) as PortName[]) {
    const port = ports[name];
    const option = PORT_OPTIONS[name].option;
    if (port !== 0 && seen.has(port)) {
      throw new UsageError(`--${seen.get(port)} and --${option} must differ, both are ${port}`);
    }
    seen.set(port, option);
  }
  return {
    ports,
    scenario,
    durationSeconds: integer('duration', text('duration'), DEFAULT_DURATION_SECONDS, 10, 86_400),
    loop: values.once !== true,
    quiet: values.quiet === true,
  };
}
