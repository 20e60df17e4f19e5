/**
 * Audit devices: the broker the pipeline records through, and what `sys/audit` manages.
 */
export { AuditBroker, AuditFailedError } from './broker.ts';
export type { AuditBrokerOptions, AuditDeviceInfo, EnableAuditInput } from './broker.ts';
export { AUDIT_DEVICE_TYPES } from './device.ts';
export type { AuditDeviceType, DeviceEnvironment } from './device.ts';
export type { AuditWrapInfo } from './format.ts';
export { HMAC_PREFIX, hmacValue } from './hmac.ts';
export { SYSLOG_UNAVAILABLE } from './device-syslog.ts';
