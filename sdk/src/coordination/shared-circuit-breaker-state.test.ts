import { describe, expect, it } from 'vitest';
import {
  changeArguments,
  MAX_CLOCK_SKEW_MS,
  MAX_ISOLATING_REPLICAS,
  MAX_STATE_CHARS,
  parseFleetState,
} from './shared-circuit-breaker-state.js';

const NOW = 1_700_000_000_000;
const OPEN = {
  v: 1,
  state: 'open',
  isolatedBy: ['replica-b'],
  generation: 7,
  openedAt: NOW - 1_000,
  openings: 2,
  cause: 'outcome',
  by: 'replica-a',
};
const CLOSED = { ...OPEN, state: 'closed', isolatedBy: [], openedAt: 0, openings: 0, cause: 'reset' };
const ids = (n: number) => Array.from({ length: n }, (_, i) => `r${i}`);

describe('parseFleetState', () => {
  it('reads the states the propose script writes', () => {
    expect(parseFleetState(JSON.stringify(OPEN), NOW)).toEqual({
      state: {
        state: 'open',
        isolatedBy: ['replica-b'],
        generation: 7,
        openedAt: NOW - 1_000,
        openings: 2,
        cause: 'outcome',
      },
      by: 'replica-a',
    });
    expect(parseFleetState(JSON.stringify(CLOSED), NOW)?.state.state).toBe('closed');
    const skewed = { ...OPEN, openedAt: NOW + MAX_CLOCK_SKEW_MS };
    expect(parseFleetState(JSON.stringify(skewed), NOW)).toBeDefined();
    const full = { ...OPEN, isolatedBy: ids(MAX_ISOLATING_REPLICAS) };
    expect(parseFleetState(JSON.stringify(full), NOW)).toBeDefined();
  });

  it.each([
    ['not JSON', 'open'],
    ['JSON of another kind', '[1,2]'],
    ['null', 'null'],
    ['another version', JSON.stringify({ ...OPEN, v: 2 })],
    ['a missing field', JSON.stringify({ ...OPEN, by: undefined })],
    ['an extra field', JSON.stringify({ ...OPEN, extra: 1 })],
    ['an unknown state', JSON.stringify({ ...OPEN, state: 'half_open' })],
    ['isolatedBy not a list', JSON.stringify({ ...OPEN, isolatedBy: true })],
    ['isolatedBy with a bad id', JSON.stringify({ ...OPEN, isolatedBy: ['a b'] })],
    ['isolatedBy twice the same id', JSON.stringify({ ...OPEN, isolatedBy: ['a', 'a'] })],
    ['isolatedBy too long', JSON.stringify({ ...OPEN, isolatedBy: ids(MAX_ISOLATING_REPLICAS + 1) })],
    ['a generation of 0', JSON.stringify({ ...OPEN, generation: 0 })],
    ['a fractional generation', JSON.stringify({ ...OPEN, generation: 1.5 })],
    ['an unsafe generation', JSON.stringify({ ...OPEN, generation: 2 ** 60 })],
    ['a generation as a string', JSON.stringify({ ...OPEN, generation: '7' })],
    ['openedAt in the future', JSON.stringify({ ...OPEN, openedAt: NOW + MAX_CLOCK_SKEW_MS + 1 })],
    ['a negative openedAt', JSON.stringify({ ...OPEN, openedAt: -1 })],
    ['an open state without opening', JSON.stringify({ ...OPEN, openings: 0 })],
    ['too many openings', JSON.stringify({ ...OPEN, openings: 1_001 })],
    ['a closed state with an openedAt', JSON.stringify({ ...CLOSED, openedAt: 5 })],
    ['a closed state with openings', JSON.stringify({ ...CLOSED, openings: 1 })],
    ['an unknown cause', JSON.stringify({ ...OPEN, cause: 'whim' })],
    ['a bad writer id', JSON.stringify({ ...OPEN, by: 'x'.repeat(65) })],
    ['a value too long to be ours', `${JSON.stringify(OPEN)}${' '.repeat(MAX_STATE_CHARS)}`],
  ])('refuses %s', (_what, raw) => {
    expect(parseFleetState(raw, NOW)).toBeUndefined();
  });

  it('refuses what is not a string', () => {
    for (const raw of [undefined, null, 7, Buffer.from(JSON.stringify(OPEN)), OPEN]) {
      expect(parseFleetState(raw, NOW)).toBeUndefined();
    }
  });
});

describe('changeArguments', () => {
  it('normalises a change to what every replica accepts', () => {
    const open = { state: 'open', isolatedBy: ['b', 'a b', 'b'], openedAt: 12.7, openings: 0, cause: 'x' };
    expect(changeArguments(open as never)).toEqual(['open', '["b"]', '12', '1', 'outcome']);
    const closed = { state: 'closed', isolatedBy: [], openedAt: 99, openings: 3, cause: 'reset' } as const;
    expect(changeArguments(closed)).toEqual(['closed', '[]', '0', '0', 'reset']);
  });
});
