/**
 * TLS for the integration tests: a throwaway self-signed certificate made with the `openssl`
 * CLI, and a `fetch` over `node:https` that trusts it (Node's global fetch takes no CA option).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import type { FetchFunction } from '@strongroom/client';

/** Whether the `openssl` CLI can be run here. */
export function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A P-256 certificate for 127.0.0.1, valid for a day, written into `dir`. */
export function selfSignedCertificate(dir: string): {
  certFile: string;
  keyFile: string;
  ca: Buffer;
} {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-days',
      '1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile, ca: readFileSync(certFile) };
}

/** A `fetch` for VaultClient that speaks HTTPS trusting only `ca`. */
export function fetchTrusting(ca: Buffer): FetchFunction {
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, key) => {
        headers[key] = value;
      });
      const req = httpsRequest(
        input,
        {
          method: init.method ?? 'GET',
          headers,
          ca,
          ...(init.signal === null || init.signal === undefined ? {} : { signal: init.signal }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            const responseHeaders = new Headers();
            for (const [key, value] of Object.entries(res.headers)) {
              if (typeof value === 'string') responseHeaders.set(key, value);
            }
            resolve(new Response(body, { status, headers: responseHeaders }));
          });
        },
      );
      req.on('error', reject);
      if (typeof init.body === 'string') req.end(init.body);
      else req.end();
    });
}
