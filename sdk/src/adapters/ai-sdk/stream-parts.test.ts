import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../classify/index.js';
import {
  EmptyErrorPartError,
  errorOfPart,
  isContentPart,
  isFinalPart,
  usageOfPart,
  usageOfResult,
} from './stream-parts.js';
import { usage } from './test-support/scripted-model.js';

describe('AI SDK stream parts', () => {
  it.each<[LanguageModelV4StreamPart, boolean]>([
    [{ type: 'text-delta', id: 't', delta: 'x' }, true],
    [{ type: 'reasoning-delta', id: 'r', delta: 'x' }, true],
    [{ type: 'tool-input-delta', id: 'c', delta: '{' }, true],
    [{ type: 'tool-call', toolCallId: 'c', toolName: 'f', input: '{}' }, true],
    [{ type: 'stream-start', warnings: [] }, false],
    [{ type: 'response-metadata', id: 'r' }, false],
    [{ type: 'text-start', id: 't' }, false],
    [{ type: 'tool-input-start', id: 'c', toolName: 'f' }, false],
    [{ type: 'ping' }, false],
    [{ type: 'raw', rawValue: {} }, false],
    [{ type: 'error', error: new Error('x') }, false],
  ])('content: %j is %s', (part, content) => {
    expect(isContentPart(part)).toBe(content);
  });

  it('takes the finish part, and no other, as the end of a complete answer', () => {
    const finish: LanguageModelV4StreamPart = {
      type: 'finish',
      usage: usage(1, 0),
      finishReason: { unified: 'length', raw: 'max_output_tokens' },
    };
    expect(isFinalPart(finish)).toBe(true);
    expect(isFinalPart({ type: 'response-metadata', id: 'r' })).toBe(false);
    expect(isFinalPart({ type: 'text-end', id: 't' })).toBe(false);
  });

  it('reads the error of an error part; an empty one still counts as a failure', () => {
    const error = new Error('overloaded');
    expect(errorOfPart({ type: 'error', error })).toBe(error);
    const empty = errorOfPart({ type: 'error', error: undefined });
    expect(empty).toBeInstanceOf(EmptyErrorPartError);
    expect(classifyError(empty)).toMatchObject({ category: 'server_error', retryable: true });
    expect(errorOfPart({ type: 'text-delta', id: 't', delta: 'x' })).toBeUndefined();
  });

  it('reads token totals from a finish part and from a generate result', () => {
    const finish: LanguageModelV4StreamPart = {
      type: 'finish',
      usage: usage(12, 4),
      finishReason: { unified: 'stop', raw: 'stop' },
    };
    expect(usageOfPart(finish)).toEqual({ inputTokens: 12, outputTokens: 4 });
    expect(usageOfPart({ type: 'text-start', id: 't' })).toBeUndefined();
    expect(usageOfResult({ usage: usage(3, 2) })).toEqual({ inputTokens: 3, outputTokens: 2 });
    expect(usageOfResult(undefined)).toBeUndefined();
  });
});
