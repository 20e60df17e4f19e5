/**
 * Stage 3 and 6: audit request and response. Fail-closed: when the request cannot be recorded,
 * it is refused before any engine runs; when the response cannot be recorded, the caller gets an
 * error instead of the response (the engine's side effect stands, as in Vault).
 */
import { LogicalError } from '../../logical/errors.ts';
import type { AuditEntry, AuditSink } from './types.ts';

export async function auditRequest(sink: AuditSink, entry: AuditEntry): Promise<void> {
  try {
    await sink.logRequest(entry);
  } catch (error) {
    throw new LogicalError(
      'audit_failed',
      500,
      'internal error: the request could not be audited',
      {
        cause: error,
      },
    );
  }
}

export async function auditResponse(sink: AuditSink, entry: AuditEntry): Promise<void> {
  try {
    await sink.logResponse(entry);
  } catch (error) {
    throw new LogicalError(
      'audit_failed',
      500,
      'internal error: the response could not be audited',
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
