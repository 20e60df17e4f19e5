/**
 * Stage 3 and 6: audit request and response. Fail-closed: when the request cannot be recorded,
 * it is refused before any engine runs; when the response cannot be recorded, the caller gets an
 * error instead of the response (the engine's side effect stands, as in Vault).
 */
import { LogicalError } from '../../logical/errors.ts';
import type { AuditEntry, AuditSink } from './types.ts';

/**
 * Records the request or the response of `entry`. A failure is counted (`onFailure`) and
 * refuses the request with a 500 that names no device and no value.
 */
export function auditStage(
  sink: AuditSink,
  kind: 'request' | 'response',
  entry: AuditEntry,
  onFailure: () => void,
): Promise<void> {
  const refuse = (error: unknown): never => {
    onFailure();
    throw new LogicalError(
      'audit_failed',
      500,
      `internal error: the ${kind} could not be audited`,
      {
        cause: error,
      },
    );
  };
  let recorded: Promise<void>;
  try {
    recorded = kind === 'request' ? sink.logRequest(entry) : sink.logResponse(entry);
  } catch (error) {
    return Promise.resolve().then(() => refuse(error));
  }
  // Not an async function: the stage runs twice per request, and this saves a promise and a
  // hop each time.
  return recorded.then(undefined, refuse);
}

/** The sink when no audit device is enabled: records nothing, refuses nothing. */
export const noAudit: AuditSink = {
  logRequest: () => Promise.resolve(),
  logResponse: () => Promise.resolve(),
  recording: false,
};
