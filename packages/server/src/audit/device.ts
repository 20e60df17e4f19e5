/**
 * The audit device contract, shared by every device type, and the factory that builds one from
 * its type and options.
 */
import { LogicalError } from '../logical/errors.ts';
import { FileDevice } from './device-file.ts';
import { SocketDevice } from './device-socket.ts';
import { SyslogDevice } from './device-syslog.ts';
import type { DeviceOptions } from './options.ts';

export const AUDIT_DEVICE_TYPES = ['file', 'socket', 'syslog'] as const;
export type AuditDeviceType = (typeof AUDIT_DEVICE_TYPES)[number];

export function isAuditDeviceType(type: string): type is AuditDeviceType {
  return (AUDIT_DEVICE_TYPES as readonly string[]).includes(type);
}

/**
 * One destination. Writes are serialised per device, so lines never interleave and a reopen
 * never closes a handle under a write in flight.
 */
export interface AuditDevice {
  /**
   * Opens the destination now (enable's sanity check, and load after unseal). Rejects with a
   * message naming the destination (never a record) when it cannot be opened.
   */
  open(): Promise<void>;
  /**
   * Writes one record (without its newline). Resolves once the line is handed to the operating
   * system; rejects when it could not be. A device whose destination is not open tries to open
   * it first, so a destination that comes back is used again without operator action.
   */
  write(record: string, timeMs: number): Promise<void>;
  /** Closes and reopens the destination (SIGHUP, log rotation). Rejects when reopening fails. */
  reopen(): Promise<void>;
  /** Releases the destination. Idempotent. */
  close(): Promise<void>;
}

/** What devices need from the process, injectable so tests can point them at real test sinks. */
export interface DeviceEnvironment {
  /** Where `file_path=stdout` writes. */
  readonly stdout: NodeJS.WritableStream;
  /** The local syslog socket (a unix stream socket). */
  readonly syslogSocketPath: string;
  readonly hostname: string;
}

/**
 * Builds a device from its type and options, validating them: a bad option is a 400 and no
 * device exists. Does not open the destination.
 */
export function createDevice(
  type: AuditDeviceType,
  options: DeviceOptions,
  env: DeviceEnvironment,
): AuditDevice {
  switch (type) {
    case 'file':
      return new FileDevice(options, env);
    case 'socket':
      return new SocketDevice(options);
    case 'syslog':
      return new SyslogDevice(options, env);
  }
}

export function unknownDeviceType(type: string): LogicalError {
  return new LogicalError('bad_request', 400, `unknown backend type: "${type}"`);
}
