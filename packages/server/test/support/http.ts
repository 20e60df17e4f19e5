/**
 * Raw HTTP for the integration tests: exact statuses, headers and bodies, with no client-side
 * interpretation (VaultClient maps statuses to errors; these tests assert the statuses).
 */
import { request as httpRequest } from 'node:http';

export interface RawReply {
  readonly status: number;
  readonly headers: Headers;
  /** The body text ('' for 204 and HEAD). */
  readonly text: string;
  /** The body parsed as JSON, or undefined when empty or not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  readonly body: any;
}

export interface CallOptions {
  readonly token?: string;
  /** A JSON value to send, or a string sent as-is (for malformed bodies). */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
}

/** One request to `<address>/v1/<path>` with `fetch`. */
export async function call(
  address: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<RawReply> {
  const url = new URL(`${address}/v1/${path}`);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers['X-Vault-Token'] = options.token;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const response = await fetch(url, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = method === 'HEAD' ? '' : await response.text();
  return { status: response.status, headers: response.headers, text, body: parse(text) };
}

/**
 * A request with a verb `fetch` refuses to send (undici rejects none of Vault's, but a
 * made-up verb such as `FROB` needs node:http), answering the status and body text.
 */
export function callWithVerb(
  address: string,
  method: string,
  path: string,
  token?: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
): Promise<{ status: number; text: string; body: any }> {
  const url = new URL(`${address}/v1/${path}`);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method, headers: token === undefined ? {} : { 'X-Vault-Token': token } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, text, body: parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function parse(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
