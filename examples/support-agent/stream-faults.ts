import { type AnswerShape, type Behavior, faults } from '../fake-providers/index.js';

/** Longer than the agent's `firstChunkTimeoutMs` (2 s): the attempt is abandoned before its first chunk. */
const SLOW_FIRST_CHUNK_MS = 2_500;
/** Longest mid-stream stall the fake provider keeps up (the agent's `stallTimeoutMs`, 3 s, ends it first). */
const STALL_MAX_MS = 10_000;

/** 0, 1, 2, … on successive calls. */
export const counter = (): (() => number) => {
  let next = 0;
  return () => next++;
};

/** The `turn`-th of `choices`, in turn: every kind of fault shows up within any run of `choices.length` faults. */
const inTurn = <T>(turn: number, choices: readonly T[]): T => choices[turn % choices.length]!;

/**
 * The `turn`-th broken streamed answer of the primary (OpenAI chat completions), half before its first content
 * chunk (a first chunk that comes too late, an error frame, a dropped connection: the agent retries them and the
 * customer sees nothing) and half after it (a dropped connection, an error frame, a stall: the customer saw part of
 * the answer). The kinds take turns, so even a short run shows each of them (and fills each stream panel).
 */
export function primaryStreamFault(turn: number, answer: AnswerShape): Behavior {
  const midAnswer = 2;
  // The two kinds only one panel each shows (first-chunk timeouts, stalls) come first; before- and after-commit
  // breaks alternate: the stack test's short incident (fewer streams reach the provider while 429s are injected)
  // still fills every stream panel.
  return inTurn<Behavior>(turn, [
    { kind: 'answer', ...answer, firstChunkDelayMs: SLOW_FIRST_CHUNK_MS },
    faults.stall(midAnswer, { ...answer, maxMs: STALL_MAX_MS }),
    faults.errorFrame(0, answer),
    faults.drop(midAnswer, answer),
    faults.drop(0, answer),
    faults.errorFrame(midAnswer, answer),
  ]);
}

/**
 * The `turn`-th overloaded answer of the backup (Anthropic messages), in turn: a 529 (twice as often), an
 * `overloaded_error` frame after the first content chunk (the stream breaks after its commit; the input tokens of
 * its `message_start` are wasted), or a first chunk that comes too late after `message_start` (retried; its input
 * tokens are wasted too).
 */
export function backupOverload(turn: number, answer: AnswerShape): Behavior {
  return inTurn<Behavior>(turn, [
    faults.overloaded({ delayMs: answer.delayMs ?? 0 }),
    faults.overloaded({ delayMs: answer.delayMs ?? 0 }),
    faults.errorFrame(1, answer),
    { kind: 'answer', ...answer, firstChunkDelayMs: SLOW_FIRST_CHUNK_MS },
  ]);
}
