/**
 * TLS: a server started with `tls_cert_file`/`tls_key_file` answers over HTTPS to a client that
 * trusts the certificate, and is refused by one that does not.
 */
import { request as httpsRequest } from 'node:https';
import { VaultClient } from '@strongroom/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initAndUnseal, startWithConfig, tempDir } from './support/start.ts';
import { fetchTrusting, opensslAvailable, selfSignedCertificate } from './support/tls.ts';

const hasOpenssl = opensslAvailable();

describe.skipIf(!hasOpenssl && process.env.CI !== 'true')('TLS listener', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let running: Awaited<ReturnType<typeof startWithConfig>>;
  let ca: Buffer;

  beforeAll(async () => {
    dir = await tempDir('tls');
    const cert = selfSignedCertificate(dir.path);
    ca = cert.ca;
    running = await startWithConfig({
      dir: dir.path,
      tls: { certFile: cert.certFile, keyFile: cert.keyFile },
    });
  });
  afterAll(async () => {
    await running.close();
    await dir.remove();
  });

  it('listens on https and serves the whole API to a client trusting the CA', async () => {
    expect(running.address).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const client = new VaultClient({ address: running.address, fetch: fetchTrusting(ca) });
    expect(await client.sys.health()).toMatchObject({ initialized: false });
    const { rootToken } = await initAndUnseal(client, 3, 2);
    const root = client.withToken(rootToken);
    expect((await root.token.lookupSelf()).data).toMatchObject({ policies: ['root'] });
    await root.sys.writePolicy('over-tls', 'path "x/*" { capabilities = ["read"] }');
    // LIST travels over TLS too.
    expect(await root.list('sys/policies/acl')).toEqual(
      expect.arrayContaining(['default', 'over-tls', 'root']),
    );
    const created = await root.token.create({ policies: ['over-tls'] });
    expect(created.auth!.client_token).toMatch(/^hvs\./);
  });

  it('a client that does not trust the certificate cannot connect', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = httpsRequest(`${running.address}/v1/sys/health`, (res) => {
        res.resume();
        resolve(`status ${res.statusCode ?? 0}`);
      });
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      req.end();
    });
    expect(outcome).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('plain HTTP to the TLS port gets no API answer', async () => {
    const url = running.address.replace('https://', 'http://');
    const result = await fetch(`${url}/v1/sys/health`).then(
      (response) => response.status,
      () => 'refused',
    );
    expect(result).not.toBe(200);
    expect(result).not.toBe(501);
  });
});
