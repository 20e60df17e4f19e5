/**
 * Server configuration: HCL or JSON, in Vault's shape, parsed with HashiCorp's own HCL parser.
 *
 *   listener "tcp" { address = "127.0.0.1:8200"  tls_disable = 1  tls_cert_file = ""  tls_key_file = "" }
 *   storage "file" { path = "/var/lib/strongroom" }     # also "raft", "sqlite", "inmem"
 *   api_addr = "http://127.0.0.1:8200"
 *   default_lease_ttl = "768h"
 *   max_lease_ttl = "768h"
 *   log_level = "info"
 *
 * A config written for Vault with `storage "file"` starts Strongroom's embedded store at that path.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { DurationError, parseDuration } from '@strongroom/protocol';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface ListenerConfig {
  readonly address: string;
  readonly tlsDisable: boolean;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  readonly maxRequestBytes?: number;
}

export interface StorageConfig {
  readonly kind: string;
  readonly path?: string;
}

export interface ServerConfig {
  readonly listener: ListenerConfig;
  readonly storage: StorageConfig;
  readonly apiAddr?: string;
  readonly defaultLeaseTtlMs?: number;
  readonly maxLeaseTtlMs?: number;
  readonly logLevel: LogLevel;
  readonly clusterName?: string;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];
const LOG_LEVEL_ALIASES: Readonly<Record<string, LogLevel>> = { warning: 'warn', err: 'error' };

export async function loadConfigFile(file: string): Promise<ServerConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `cannot read config file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  return parseConfig(file, text);
}

export async function parseConfig(file: string, text: string): Promise<ServerConfig> {
  let raw: unknown;
  if (file.endsWith('.json') || text.trimStart().startsWith('{')) {
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(`${file}: invalid JSON: ${(error as Error).message}`);
    }
  } else {
    try {
      raw = await parseHcl(file, text);
    } catch (error) {
      throw new ConfigError(`${file}: ${(error as Error).message.replace(/^parse config: /, '')}`);
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${file}: the configuration must be an object`);
  }
  return fromRaw(file, raw as Record<string, unknown>);
}

/** HCL blocks arrive as `{ label: [ body ] }`; JSON configs may use `{ label: body }`. */
function labelledBlock(
  file: string,
  raw: Record<string, unknown>,
  name: string,
): { label: string; body: Record<string, unknown> } | undefined {
  const value = raw[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? (value[0] as unknown) : value;
  if (typeof first !== 'object' || first === null) {
    throw new ConfigError(`${file}: "${name}" must be a block like ${name} "kind" { ... }`);
  }
  const entries = Object.entries(first as Record<string, unknown>);
  if (entries.length !== 1) {
    throw new ConfigError(`${file}: exactly one ${name} block is supported`);
  }
  const [label, bodyRaw] = entries[0] as [string, unknown];
  const body = Array.isArray(bodyRaw) ? (bodyRaw[0] as unknown) : bodyRaw;
  if (typeof body !== 'object' || body === null) {
    throw new ConfigError(`${file}: ${name} "${label}" must have a body`);
  }
  return { label, body: body as Record<string, unknown> };
}

function fromRaw(file: string, raw: Record<string, unknown>): ServerConfig {
  const listenerBlock = labelledBlock(file, raw, 'listener');
  if (listenerBlock !== undefined && listenerBlock.label !== 'tcp') {
    throw new ConfigError(
      `${file}: listener "${listenerBlock.label}" is not supported (use "tcp")`,
    );
  }
  const lb = listenerBlock?.body ?? {};
  const tlsDisable = truthy(lb.tls_disable);
  const listener: ListenerConfig = {
    address: str(file, 'listener.address', lb.address) ?? '127.0.0.1:8200',
    tlsDisable,
    ...optional('tlsCertFile', str(file, 'listener.tls_cert_file', lb.tls_cert_file)),
    ...optional('tlsKeyFile', str(file, 'listener.tls_key_file', lb.tls_key_file)),
    ...optional('maxRequestBytes', num(file, 'listener.max_request_size', lb.max_request_size)),
  };
  if (!tlsDisable && (listener.tlsCertFile === undefined || listener.tlsKeyFile === undefined)) {
    throw new ConfigError(
      `${file}: listener "tcp" needs tls_cert_file and tls_key_file, or tls_disable = 1`,
    );
  }
  const storageBlock = labelledBlock(file, raw, 'storage') ?? labelledBlock(file, raw, 'backend');
  if (storageBlock === undefined) throw new ConfigError(`${file}: a storage block is required`);
  const storage: StorageConfig = {
    kind: storageBlock.label,
    ...optional('path', str(file, `storage.${storageBlock.label}.path`, storageBlock.body.path)),
  };
  const level = (str(file, 'log_level', raw.log_level) ?? 'info').toLowerCase();
  const normalisedLevel = LOG_LEVEL_ALIASES[level] ?? level;
  if (!(LOG_LEVELS as readonly string[]).includes(normalisedLevel)) {
    throw new ConfigError(`${file}: log_level must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const logLevel = normalisedLevel as LogLevel;
  return {
    listener,
    storage,
    logLevel,
    ...optional('apiAddr', str(file, 'api_addr', raw.api_addr)),
    ...optional('defaultLeaseTtlMs', duration(file, 'default_lease_ttl', raw.default_lease_ttl)),
    ...optional('maxLeaseTtlMs', duration(file, 'max_lease_ttl', raw.max_lease_ttl)),
    ...optional('clusterName', str(file, 'cluster_name', raw.cluster_name)),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function str(file: string, name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ConfigError(`${file}: ${name} must be a string`);
  return value;
}

function num(file: string, name: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
    throw new ConfigError(`${file}: ${name} must be a positive integer`);
  }
  return n;
}

function duration(file: string, name: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  try {
    return parseDuration(value);
  } catch (error) {
    if (error instanceof DurationError) throw new ConfigError(`${file}: ${name}: ${error.message}`);
    throw error;
  }
}

function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 'true';
}
