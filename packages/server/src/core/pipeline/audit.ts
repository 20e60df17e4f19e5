/**
 * Stage 3 and 6: audit request and response. Fail-closed: when the request cannot be recorded,
 * it is refused before any engine runs; when the response cannot be recorded, the caller gets an
 * error instead of the response (the engine's side effect stands, as in Vault).
 */
import { settle } from '../../framework/settle.ts';
import { LogicalError } from '../../logical/errors.ts';
import type { AuditEntry, AuditSink } from './types.ts';

/**
 * What a failed record turns into: `onFailure` is called (the failure is counted) and the request
 * is refused with a 500 that names no device and no value. Made once per kind by the caller.
 */
export function auditRefusal(
  kind: 'request' | 'response',
  onFailure: () => void,
): (error: unknown) => never {
  return (error) => {
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
}

/**
 * Records the request or the response of `entry`; a failure becomes `refuse(error)` (see
 * `auditRefusal`). Not an async function: the stage runs twice per request, and returning the
 * sink's own promise saves one each time.
 */
export function auditStage(
  sink: AuditSink,
  kind: 'request' | 'response',
  entry: AuditEntry,
  refuse: (error: unknown) => never,
): Promise<void> {
  return settle(() => (kind === 'request' ? sink.logRequest(entry) : sink.logResponse(entry))).then(
    undefined,
    refuse,
  );
}

/** The sink when no audit device is enabled: records nothing, refuses nothing. */
export const noAudit: AuditSink = {
  logRequest: () => Promise.resolve(),
  logResponse: () => Promise.resolve(),
  recording: false,
};
