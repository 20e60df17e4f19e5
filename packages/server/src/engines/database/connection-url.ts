/**
 * Connection URLs, parsed before the credentials are put in.
 *
 * A config's `connection_url` is a template (`postgresql://{{username}}:{{password}}@host/db`,
 * or Go's MySQL DSN `{{username}}:{{password}}@tcp(host:3306)/db`). It is parsed with the
 * placeholders still in place and the username and password are substituted into the parsed
 * fields afterwards, so no escaping rules apply to them and no string holding a URL with a
 * password is ever built (nothing can leak it).
 */
import { renderTemplate } from './template.ts';

export interface ParsedConnection {
  readonly host: string;
  readonly port: number | undefined;
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly database: string | undefined;
  /** Query parameters (`sslmode`, `tls`, ...) or PostgreSQL key/value settings. */
  readonly params: Readonly<Record<string, string>>;
}

export class ConnectionUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionUrlError';
  }
}

/**
 * Parses `template` and fills in the admin credentials. Accepted forms: `scheme://` URLs
 * (`postgres`, `postgresql`, `mysql`), PostgreSQL key/value strings (`host=... user=...`), and
 * Go MySQL DSNs (`user:pass@tcp(host:port)/db?k=v`). Error messages never quote the URL.
 */
export function parseConnectionUrl(
  template: string,
  credentials: { readonly username: string; readonly password: string },
): ParsedConnection {
  const fill = (value: string | undefined): string | undefined =>
    value === undefined
      ? undefined
      : renderTemplate(value, {
          username: credentials.username,
          name: credentials.username,
          password: credentials.password,
        });
  const raw = parseRaw(template.trim());
  return {
    ...raw,
    user: fill(raw.user) ?? (credentials.username === '' ? undefined : credentials.username),
    password:
      fill(raw.password) ?? (credentials.password === '' ? undefined : credentials.password),
  };
}

/** True when the URL carries a literal password (not `{{password}}`): reads must mask it. */
export function hasLiteralPassword(template: string): boolean {
  try {
    const raw = parseRaw(template.trim());
    return raw.password !== undefined && raw.password !== '' && !raw.password.includes('{{');
  } catch {
    return false;
  }
}

/** The URL with any literal password replaced by `*****`, for reads. */
export function maskConnectionUrl(template: string): string {
  return template
    .replace(/(:\/\/[^:@/\s]*):(?!\{\{)[^@\s]*@/g, '$1:*****@')
    .replace(/^([^:@/\s]+):(?!\{\{)[^@\s]*@(tcp|unix)\(/i, '$1:*****@$2(')
    .replace(/\b(password|pwd)\s*=\s*(?!\{\{)('[^']*'|[^\s&]+)/gi, '$1=*****');
}

function parseRaw(text: string): Omit<ParsedConnection, 'user' | 'password'> & {
  user: string | undefined;
  password: string | undefined;
} {
  const url = /^([a-z][a-z0-9+.-]*):\/\/(?:([^@/]*)@)?([^/?]*)(?:\/([^?]*))?(?:\?(.*))?$/i.exec(
    text,
  );
  if (url !== null) {
    const [, , userinfo, hostport = '', database, query] = url;
    const { user, password } = splitUserinfo(userinfo);
    const { host, port } = splitHostPort(hostport);
    return {
      host,
      port,
      user,
      password,
      database: database === undefined || database === '' ? undefined : decode(database),
      params: parseQuery(query),
    };
  }
  const dsn = /^(?:(.*)@)?(tcp|unix)?(?:\(([^)]*)\))?\/([^?]*)(?:\?(.*))?$/.exec(text);
  if (dsn !== null && (dsn[2] !== undefined || text.includes('@') || text.startsWith('/'))) {
    const [, userinfo, net, address = '', database, query] = dsn;
    const at = userinfo?.indexOf(':') ?? -1;
    const user = userinfo === undefined ? undefined : at < 0 ? userinfo : userinfo.slice(0, at);
    const password = userinfo === undefined || at < 0 ? undefined : userinfo.slice(at + 1);
    const { host, port } =
      net === 'unix' ? { host: address, port: undefined } : splitHostPort(address);
    return {
      host: host === '' ? '127.0.0.1' : host,
      port,
      user,
      password,
      database: database === undefined || database === '' ? undefined : database,
      params: parseQuery(query),
    };
  }
  if (/^\s*[a-z_]+\s*=/i.test(text)) {
    const params: Record<string, string> = {};
    const pattern = /([a-z_]+)\s*=\s*('(?:[^'\\]|\\.)*'|\S*)/gi;
    for (const match of text.matchAll(pattern)) {
      const key = (match[1] ?? '').toLowerCase();
      let value = match[2] ?? '';
      if (value.startsWith("'")) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
      params[key] = value;
    }
    const { host, port, user, password, dbname, ...rest } = params;
    return {
      host: host ?? '127.0.0.1',
      port: port === undefined ? undefined : toPort(port),
      user,
      password,
      database: dbname,
      params: rest,
    };
  }
  throw new ConnectionUrlError('connection_url is not a URL, a key=value string or a DSN');
}

function splitUserinfo(userinfo: string | undefined): {
  user: string | undefined;
  password: string | undefined;
} {
  if (userinfo === undefined) return { user: undefined, password: undefined };
  const at = userinfo.indexOf(':');
  if (at < 0) return { user: decode(userinfo), password: undefined };
  return { user: decode(userinfo.slice(0, at)), password: decode(userinfo.slice(at + 1)) };
}

function splitHostPort(hostport: string): { host: string; port: number | undefined } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostport);
  if (v6 !== null) {
    return { host: v6[1] ?? '', port: v6[2] === undefined ? undefined : toPort(v6[2]) };
  }
  const colon = hostport.lastIndexOf(':');
  if (colon < 0) return { host: hostport === '' ? '127.0.0.1' : hostport, port: undefined };
  return { host: hostport.slice(0, colon) || '127.0.0.1', port: toPort(hostport.slice(colon + 1)) };
}

function toPort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new ConnectionUrlError('connection_url has an invalid port');
  }
  return port;
}

function parseQuery(query: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (query === undefined || query === '') return out;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    out[key] = eq < 0 ? '' : decode(pair.slice(eq + 1));
  }
  return out;
}

/** Percent-decodes, leaving `{{...}}` placeholders and malformed escapes as they are. */
function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
