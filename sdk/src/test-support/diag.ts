import { DiagLogLevel, diag } from '@opentelemetry/api';

/** Records the messages (first arguments) reported through OpenTelemetry's `diag` at `level`. */
function captureDiag(level: 'error' | 'warn'): string[] {
  const messages: string[] = [];
  const ignore = () => {};
  const record = (message: string) => messages.push(message);
  diag.setLogger(
    {
      error: level === 'error' ? record : ignore,
      warn: level === 'warn' ? record : ignore,
      info: ignore,
      debug: ignore,
      verbose: ignore,
    },
    { logLevel: level === 'error' ? DiagLogLevel.ERROR : DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  return messages;
}

/** Records the messages reported through `diag.error`. Call `diag.disable()` in cleanup. */
export const captureDiagErrors = (): string[] => captureDiag('error');

/** Records the messages reported through `diag.warn` (the OTel SDK warns when a span is ended twice). */
export const captureDiagWarnings = (): string[] => captureDiag('warn');
