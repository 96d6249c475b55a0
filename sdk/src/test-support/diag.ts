import { DiagLogLevel, diag } from '@opentelemetry/api';

/**
 * Records the messages reported through OpenTelemetry's `diag` at error level (the first argument of each
 * `diag.error`). Call `diag.disable()` in cleanup.
 */
export function captureDiagErrors(): string[] {
  const errors: string[] = [];
  const ignore = () => {};
  diag.setLogger(
    {
      error: (message: string) => errors.push(message),
      warn: ignore,
      info: ignore,
      debug: ignore,
      verbose: ignore,
    },
    { logLevel: DiagLogLevel.ERROR, suppressOverrideMessage: true },
  );
  return errors;
}
