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
export async function auditStage(
  sink: AuditSink,
  kind: 'request' | 'response',
  entry: AuditEntry,
  onFailure: () => void,
): Promise<void> {
  try {
    await (kind === 'request' ? sink.logRequest(entry) : sink.logResponse(entry));
  } catch (error) {
    onFailure();
    throw new LogicalError(
      'audit_failed',
      500,
      `internal error: the ${kind} could not be audited`,
      {
        cause: error,
      },
    );
  }
}

/** The sink when no audit device is enabled: records nothing, refuses nothing. */
export const noAudit: AuditSink = {
  logRequest: () => Promise.resolve(),
  logResponse: () => Promise.resolve(),
  recording: false,
};
