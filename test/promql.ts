/**
 * A small PromQL reader for the lint tests: finds the series selectors of an expression (metric name, label
 * matchers, range, enclosing function calls with their `by`/`without` labels) and the labels of grouping and
 * vector-matching clauses. It is not a validating parser: syntax is checked by `promtool check rules`.
 * Grafana variables may stay in place (`$__rate_interval` in ranges, `$service` inside strings).
 */

export interface Matcher {
  readonly label: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

/** A function or aggregation call, or a plain parenthesis (`fn` null), with its grouping clause if any. */
export interface Frame {
  readonly fn: string | null;
  grouping?: { readonly keyword: 'by' | 'without'; readonly labels: readonly string[] };
}

export interface Selector {
  readonly metric: string;
  readonly matchers: Matcher[];
  /** Text between `[` and `]` after the selector, e.g. `$__rate_interval` or `5m`. */
  range?: string;
  /** Enclosing calls, innermost first. */
  readonly frames: readonly Frame[];
}

export interface Subquery {
  readonly range: string;
  readonly frames: readonly Frame[];
}

export interface PromqlAnalysis {
  readonly selectors: Selector[];
  readonly subqueries: Subquery[];
  /** Labels named in by/without/on/ignoring/group_left/group_right clauses. */
  readonly clauseLabels: string[];
}

type Token =
  | { kind: 'ident'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'range'; text: string }
  | { kind: 'op'; text: string };

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan']);
const CLAUSES = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const OPERATORS = [
  '=~',
  '!~',
  '!=',
  '==',
  '<=',
  '>=',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  '(',
  ')',
  '{',
  '}',
  ',',
  '@',
];

function unquote(raw: string): string {
  const body = raw.slice(1, -1);
  return raw.startsWith('`') ? body : body.replace(/\\(.)/g, '$1');
}

export function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const rest = expr.slice(i);
    const space = /^\s+/.exec(rest);
    const string = /^("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)/.exec(rest);
    const range = /^\[([^\]]*)\]/.exec(rest);
    const number = /^(?:\d+(?:ms|s|m|h|d|w|y))+|^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(rest);
    const ident = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(rest);
    if (space) i += space[0].length;
    else if (string) {
      tokens.push({ kind: 'string', text: unquote(string[0]) });
      i += string[0].length;
    } else if (range) {
      tokens.push({ kind: 'range', text: range[1]!.trim() });
      i += range[0].length;
    } else if (number) {
      tokens.push({ kind: 'number', text: number[0] });
      i += number[0].length;
    } else if (ident) {
      tokens.push({ kind: 'ident', text: ident[0] });
      i += ident[0].length;
    } else {
      const op = OPERATORS.find(o => rest.startsWith(o));
      if (op === undefined) throw new Error(`unexpected character ${JSON.stringify(rest[0])} in ${expr}`);
      tokens.push({ kind: 'op', text: op });
      i += op.length;
    }
  }
  return tokens;
}

const isOp = (t: Token | undefined, text: string): boolean => t?.kind === 'op' && t.text === text;

/** Reads the comma-separated identifiers of a `( … )` list starting at tokens[start] (the `(`). */
function readLabelList(tokens: Token[], start: number): { labels: string[]; end: number } {
  const labels: string[] = [];
  let j = start + 1;
  while (j < tokens.length && !isOp(tokens[j], ')')) {
    const t = tokens[j]!;
    if (t.kind === 'ident' || t.kind === 'string') labels.push(t.text);
    j++;
  }
  return { labels, end: j };
}

/** Reads `{ label op "value", … }` starting at tokens[start] (the `{`). */
function readMatchers(tokens: Token[], start: number): { matchers: Matcher[]; end: number } {
  const matchers: Matcher[] = [];
  let j = start + 1;
  while (j < tokens.length && !isOp(tokens[j], '}')) {
    const [label, op, value] = [tokens[j], tokens[j + 1], tokens[j + 2]];
    if (label?.kind === 'ident' && op?.kind === 'op' && value?.kind === 'string') {
      matchers.push({ label: label.text, op: op.text as Matcher['op'], value: value.text });
      j += 3;
    } else j++;
  }
  return { matchers, end: j };
}

export function analyzePromql(expr: string): PromqlAnalysis {
  const tokens = tokenize(expr);
  const selectors: Selector[] = [];
  const subqueries: Subquery[] = [];
  const clauseLabels: string[] = [];
  const stack: Frame[] = [];
  let lastClosed: Frame | undefined;
  let pendingCall: string | null = null;
  let pendingGrouping: Frame['grouping'];

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    if (t.kind === 'ident' && CLAUSES.has(t.text) && isOp(next, '(')) {
      const { labels, end } = readLabelList(tokens, i + 1);
      clauseLabels.push(...labels);
      if (t.text === 'by' || t.text === 'without') {
        const grouping = { keyword: t.text, labels } as const;
        // `sum by (x) (…)` groups the call that follows; `sum(…) by (x)` the call just closed.
        if (pendingCall !== null) pendingGrouping = grouping;
        else if (lastClosed !== undefined) lastClosed.grouping = grouping;
      }
      i = end;
      continue;
    }
    if (t.kind === 'ident' && CLAUSES.has(t.text)) continue; // group_left / group_right without a label list
    if (t.kind === 'ident' && isOp(next, '(')) {
      pendingCall = t.text;
      continue;
    }
    if (t.kind === 'ident' && !KEYWORDS.has(t.text) && next?.kind === 'ident' && CLAUSES.has(next.text)) {
      // An aggregation written as `sum by (x) (…)`: the call name comes before its clause.
      pendingCall = t.text;
      continue;
    }
    if (isOp(t, '(')) {
      const frame: Frame = { fn: pendingCall };
      if (pendingGrouping !== undefined) frame.grouping = pendingGrouping;
      stack.push(frame);
      pendingCall = null;
      pendingGrouping = undefined;
      lastClosed = undefined;
      continue;
    }
    if (isOp(t, ')')) {
      lastClosed = stack.pop();
      continue;
    }
    if (t.kind === 'range') {
      // A range after `)` is a subquery; a range after a selector was consumed with the selector.
      subqueries.push({ range: t.text, frames: [...stack].reverse() });
      continue;
    }
    if (t.kind === 'ident' && !KEYWORDS.has(t.text)) {
      const selector: Selector = { metric: t.text, matchers: [], frames: [...stack].reverse() };
      let j = i;
      if (isOp(tokens[j + 1], '{')) {
        const read = readMatchers(tokens, j + 1);
        selector.matchers.push(...read.matchers);
        j = read.end;
      }
      const after = tokens[j + 1];
      if (after?.kind === 'range') {
        selector.range = after.text;
        j++;
      }
      selectors.push(selector);
      lastClosed = undefined;
      i = j;
    }
  }
  return { selectors, subqueries, clauseLabels };
}
