/**
 * No plaintext on disk: a whole server on file storage is given known marker values (a policy
 * body, a token's display name and metadata, a stored secret), and the raw SQLite files are
 * scanned for them, and for the root token and every unseal key share, in several encodings.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call } from './support/http.ts';
import { startWithConfig, tempDir, unsealWith } from './support/start.ts';

/** Every byte pattern under which `value` could be spotted on disk. */
function encodings(value: Buffer): Buffer[] {
  return [
    value,
    Buffer.from(value.toString('hex')),
    Buffer.from(value.toString('hex').toUpperCase()),
    Buffer.from(value.toString('base64')),
    Buffer.from(value.toString('base64url')),
    // UTF-16 (a driver that stores text so).
    Buffer.from(value.toString('latin1'), 'utf16le'),
  ].filter((pattern) => pattern.length >= 8);
}

/** The database, its WAL and anything else in the storage directory. */
function diskImages(dir: string): Map<string, Buffer> {
  const images = new Map<string, Buffer>();
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (existsSync(path)) images.set(name, readFileSync(path));
  }
  return images;
}

function findings(dir: string, markers: Readonly<Record<string, Buffer>>): string[] {
  const found: string[] = [];
  for (const [file, image] of diskImages(dir)) {
    for (const [name, marker] of Object.entries(markers)) {
      if (encodings(marker).some((pattern) => image.includes(pattern)))
        found.push(`${name} in ${file}`);
    }
  }
  return found;
}

describe('no plaintext on disk (file storage, whole server)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir('disk');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('markers, the root token and the unseal shares never reach the database or its WAL', async () => {
    const running = await startWithConfig({ dir: dir.path });
    const init = await running.client.sys.init({ secretShares: 5, secretThreshold: 3 });
    await unsealWith(running.client, init.keys.slice(0, 3));
    const root = running.client.withToken(init.root_token);

    const policyMarker = 'policy-marker-7f3a9c2e41';
    const nameMarker = 'display-marker-b81d04e6';
    const metaMarker = 'meta-marker-5c9e2a7713';
    const secretMarker = 'secret-marker-e02f6b9d58';
    const controlName = 'control-name-4d7e1a90';

    await root.sys.writePolicy(
      controlName,
      `# ${policyMarker}\npath "app/*" { capabilities = ["read"] }`,
    );
    const created = await root.token.create({
      policies: [controlName],
      displayName: nameMarker,
      meta: { owner: metaMarker },
    });
    const childToken = created.auth!.client_token;
    await root.sys.enableMount('app', { type: 'kv' });
    await root.write('app/db', { password: secretMarker });
    // Rotate, then write again: both key terms are in use on disk.
    await call(running.address, 'PUT', 'sys/rotate', { token: init.root_token });
    await root.write('app/db2', { password: secretMarker });
    // Everything still reads back through the barrier.
    expect((await root.read('app/db'))?.data).toEqual({ password: secretMarker });
    expect((await root.token.lookup(childToken)).data).toMatchObject({
      display_name: `token-${nameMarker}`,
      meta: { owner: metaMarker },
    });

    const markers: Record<string, Buffer> = {
      policy: Buffer.from(policyMarker),
      displayName: Buffer.from(nameMarker),
      meta: Buffer.from(metaMarker),
      secret: Buffer.from(secretMarker),
      rootToken: Buffer.from(init.root_token),
      childToken: Buffer.from(childToken),
    };
    init.keys.forEach((hex, i) => {
      markers[`share${i}`] = Buffer.from(hex, 'hex');
      markers[`share${i}-text`] = Buffer.from(hex);
    });

    // Positive control: storage keys are not secret (as in Vault), so the policy's name is
    // visible, which proves the scan reads the right files.
    expect(findings(dir.path, { control: Buffer.from(controlName) }).length).toBeGreaterThan(0);

    // While running (fresh writes sit in the WAL) and after a clean stop.
    expect(findings(dir.path, markers)).toEqual([]);
    await running.close();
    expect(readdirSync(dir.path)).toContain('strongroom.db');
    expect(findings(dir.path, markers)).toEqual([]);

    // And the data is really there: a restart unseals to the same values.
    const again = await startWithConfig({ dir: dir.path });
    try {
      await unsealWith(again.client, init.keys.slice(2, 5));
      const root2 = again.client.withToken(init.root_token);
      expect((await root2.read('app/db2'))?.data).toEqual({ password: secretMarker });
      expect(await root2.sys.readPolicy(controlName)).toContain(policyMarker);
    } finally {
      await again.close();
    }
    expect(findings(dir.path, markers)).toEqual([]);
  });
});
