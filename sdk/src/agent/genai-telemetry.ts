import { type Span, SpanKind, trace } from '@opentelemetry/api';
import { ATTR_GEN_AI_OPERATION_NAME, SCOPE_NAME } from '../semconv.js';
import { safelyGet } from '../util/safely.js';
import type { GenAiTelemetry } from './agent-options.js';

/** What the OpenTelemetry SDK's spans expose besides the API (its `ReadableSpan`); other tracers may not. */
interface ReadableParts {
  readonly kind?: unknown;
  readonly attributes?: Readonly<Record<string, unknown>>;
  readonly instrumentationScope?: { readonly name?: unknown };
}

/**
 * Whether `span` is another instrumentation's GenAI inference span: a recording CLIENT span with a GenAI operation
 * name, from a tracer other than ours (the AI SDK's `chat {model}` around its middleware, an instrumented provider
 * client's span). Only spans of the OpenTelemetry SDK can be read; any other span is not one.
 */
export function isForeignInferenceSpan(span: Span | undefined): boolean {
  if (span === undefined) return false;
  return safelyGet(
    'reading the active span',
    () => {
      if (!span.isRecording()) return false;
      const readable = span as Span & ReadableParts;
      return (
        readable.kind === SpanKind.CLIENT &&
        typeof readable.attributes?.[ATTR_GEN_AI_OPERATION_NAME] === 'string' &&
        readable.instrumentationScope?.name !== SCOPE_NAME
      );
    },
    false,
  );
}

/**
 * Whether a model call starting now reports GenAI telemetry (the `chat {model}` CLIENT span with usage and the
 * GenAI metrics) or leaves it to a framework: `'auto'` leaves it when the active span is a foreign inference span.
 */
export function emitsGenAi(mode: GenAiTelemetry): boolean {
  if (mode === 'auto') return !isForeignInferenceSpan(trace.getActiveSpan());
  return mode === 'emit';
}
