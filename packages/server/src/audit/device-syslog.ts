/**
 * The `syslog` audit device: one RFC 5424 message per record to the local syslog daemon.
 *
 * Node has no unix datagram sockets, and the project takes no native dependencies, so the device
 * speaks to the local socket (`/dev/log`) as a unix stream socket, one message per line
 * (RFC 6587 non-transparent framing). Where that socket is missing or accepts only datagrams,
 * enabling the device is refused with a 400 rather than accepting records it cannot deliver.
 * Delivery and reconnection are the socket device's: a failed write is retried once on a fresh
 * connection, then reported to the broker.
 */
import type { AuditDevice, DeviceEnvironment } from './device.ts';
import { SocketDevice } from './device-socket.ts';
import { invalidOption, parseDurationOption } from './options.ts';
import type { DeviceOptions } from './options.ts';

const FACILITIES: Readonly<Record<string, number>> = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};

/** Severity "informational", as Vault logs audit records. */
const SEVERITY_INFO = 6;

export const SYSLOG_UNAVAILABLE = 'syslog is not available on this system';

export class SyslogDevice implements AuditDevice {
  readonly #socket: SocketDevice;
  readonly #pri: string;
  readonly #header: string;

  constructor(options: DeviceOptions, env: DeviceEnvironment) {
    const facilityName = (options.facility ?? '').trim().toLowerCase() || 'auth';
    const facility = FACILITIES[facilityName];
    if (facility === undefined) throw invalidOption(`unknown syslog facility "${facilityName}"`);
    const tag = (options.tag ?? '').trim() || 'strongroom';
    if (!/^[\x21-\x7e]{1,48}$/.test(tag)) {
      throw invalidOption('option "tag" must be 1 to 48 printable characters without spaces');
    }
    const timeout = parseDurationOption(options, 'write_timeout', 2000);
    this.#socket = new SocketDevice({
      socket_type: 'unix',
      address: env.syslogSocketPath,
      write_timeout: `${timeout}ms`,
    });
    const hostname = env.hostname.replace(/[^\x21-\x7e]/g, '').slice(0, 255) || '-';
    // Everything after the timestamp is fixed for the device's lifetime.
    this.#header = ` ${hostname} ${tag} ${process.pid} - - `;
    this.#pri = `<${facility * 8 + SEVERITY_INFO}>1 `;
  }

  async open(): Promise<void> {
    try {
      await this.#socket.open();
    } catch {
      throw new Error(SYSLOG_UNAVAILABLE);
    }
  }

  write(record: string, timeMs: number): Promise<void> {
    const timestamp = new Date(timeMs).toISOString();
    return this.#socket.write(this.#pri + timestamp + this.#header + record);
  }

  reopen(): Promise<void> {
    return this.#socket.reopen();
  }

  close(): Promise<void> {
    return this.#socket.close();
  }
}
