/**
 * A self-signed certificate for 127.0.0.1, made with the `openssl` CLI at test time, for
 * loopback HTTPS servers that stand in for identity providers and the Kubernetes API.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

export async function selfSignedCertificate(commonName = '127.0.0.1'): Promise<TestCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'strongroom-tls-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);
    return {
      certPem: await readFile(certFile, 'utf8'),
      keyPem: await readFile(keyFile, 'utf8'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
