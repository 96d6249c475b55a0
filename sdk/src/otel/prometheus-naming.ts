/**
 * The OpenTelemetry → Prometheus name translation that the Collector's `prometheus` exporter and Prometheus'
 * own OTLP receiver apply with the default `UnderscoreEscapingWithSuffixes` strategy (rules from
 * prometheus/otlptranslator). The embedded `/metrics` endpoint uses it so that both metric paths produce the
 * same series names, and the dashboard and alert tests use it to derive the names they may query.
 */

/** How the translation sees an instrument. */
export type PrometheusMetricType = 'counter' | 'gauge' | 'histogram' | 'updowncounter';

const UNIT_NAMES: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};

const PER_UNIT_NAMES: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

const tokens = (text: string): string[] => text.split(/[^a-zA-Z0-9:]+/).filter(t => t.length > 0);

function unitTokens(unit: string): { main: string[]; per: string[] } {
  if (unit.includes('{') || unit.includes('}')) return { main: [], per: [] };
  const [mainUnit = '', perUnit = ''] = unit.split('/', 2);
  const main = tokens(UNIT_NAMES[mainUnit.trim()] ?? mainUnit.trim());
  const perName = perUnit.trim() === '' ? '' : (PER_UNIT_NAMES[perUnit.trim()] ?? perUnit.trim());
  const per = perName === '' ? [] : ['per', ...tokens(perName)];
  return { main, per };
}

/**
 * Prometheus metric name for an OTel instrument (without the `_bucket`/`_sum`/`_count` histogram suffixes).
 *
 * @example prometheusMetricName(METRIC_CALL_DURATION, 's', 'histogram') // '…_call_duration_seconds'
 */
export function prometheusMetricName(name: string, unit: string, type: PrometheusMetricType): string {
  let nameTokens = tokens(name);
  const { main, per } = unitTokens(unit);
  const mainSuffix = main.join('_');
  const perSuffix = per.join('_');
  if (mainSuffix !== '' && !nameTokens.includes(mainSuffix)) nameTokens.push(mainSuffix);
  if (perSuffix !== '' && !nameTokens.includes(perSuffix)) nameTokens.push(perSuffix);
  if (type === 'counter') nameTokens = [...nameTokens.filter(t => t !== 'total'), 'total'];
  if (unit === '1' && type === 'gauge') nameTokens = [...nameTokens.filter(t => t !== 'ratio'), 'ratio'];
  const joined = nameTokens.join('_');
  return /^[0-9]/.test(joined) ? `_${joined}` : joined;
}

/** Prometheus label name for an OTel attribute key (dots become underscores). */
export function prometheusLabelName(key: string): string {
  const sanitized = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(sanitized)) return `key_${sanitized}`;
  if (/^_[^_]/.test(sanitized)) return `key${sanitized}`;
  return sanitized;
}
