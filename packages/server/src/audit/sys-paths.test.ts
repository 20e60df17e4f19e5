/**
 * `sys/audit` and `sys/audit-hash` (core/system/path-audit.ts) driven through a real backend
 * over a real broker.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemMount } from '../core/core.ts';
import { AUDIT_ROOT_PATHS, auditPaths } from '../core/system/path-audit.ts';
import { matchesSpecial } from '../core/pipeline/route.ts';
import { defineBackend } from '../framework/backend.ts';
import type { Backend } from '../logical/backend.ts';
import { LogicalError } from '../logical/errors.ts';
import type { Operation } from '../logical/request.ts';
import type { LogicalResponse } from '../logical/response.ts';
import { requestContext } from '../test-support.ts';
import { AUDIT_TABLE_KEY } from './audit-table.ts';
import { MARKERS, at, brokerFixture, readLines, request, requestEntry } from './test-support.ts';
import type { BrokerFixture } from './test-support.ts';

let f: BrokerFixture;
let backend: Backend;

beforeEach(async () => {
  f = await brokerFixture();
  backend = defineBackend({ type: 'system', paths: auditPaths({ audit: () => f.broker }) });
});

afterEach(async () => {
  await f.broker.close();
  await f.cleanup();
});

function call(
  operation: Operation,
  path: string,
  data: Record<string, unknown> = {},
): Promise<LogicalResponse | undefined> {
  const ctx = requestContext(
    { clock: f.clock, logger: f.log.logger, storage: f.storage, mount: systemMount() },
    request({ operation, path, data, mountPoint: 'sys/', mountType: 'system' }),
  );
  return backend.handleRequest(ctx);
}

describe('sys/audit', () => {
  it('enables, lists (under data and at the top level) and disables devices', async () => {
    const file = join(f.dir, 'audit.log');
    expect(
      await call('update', 'audit/team/file', {
        type: 'file',
        description: 'team log',
        options: { file_path: file },
      }),
    ).toBeUndefined();
    const listed = await call('read', 'audit');
    const expected = {
      'team/file/': {
        type: 'file',
        description: 'team log',
        options: { file_path: file },
        local: false,
        path: 'team/file/',
      },
    };
    expect(listed?.data).toEqual(expected);
    expect(listed?.topLevel).toEqual(expected);
    expect(JSON.stringify(listed)).not.toMatch(/salt/);

    expect(await call('delete', 'audit/team/file')).toBeUndefined();
    expect((await call('read', 'audit'))?.data).toEqual({});
    // Disabling what is not there succeeds, as in Vault.
    expect(await call('delete', 'audit/team/file')).toBeUndefined();
  });

  it('answers 400 and stores nothing when the file cannot be opened', async () => {
    const parent = join(f.dir, 'regular-file');
    await writeFile(parent, 'x');
    const error = await call('update', 'audit/file', {
      type: 'file',
      options: { file_path: join(parent, 'audit.log') },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LogicalError);
    expect((error as LogicalError).status).toBe(400);
    expect((await call('read', 'audit'))?.data).toEqual({});
    expect(await f.storage.get(AUDIT_TABLE_KEY)).toBeUndefined();
  });

  it('answers 400 without a type or with an unknown one', async () => {
    await expect(call('update', 'audit/file', {})).rejects.toMatchObject({ status: 400 });
    await expect(call('update', 'audit/file', { type: 'tape' })).rejects.toMatchObject({
      status: 400,
    });
  });

  it('accepts option values sent as numbers or booleans', async () => {
    await call('update', 'audit/file', {
      type: 'file',
      options: { file_path: join(f.dir, 'a.log'), hmac_accessor: false },
    });
    expect(at((await call('read', 'audit'))?.data, 'file/', 'options')).toEqual({
      file_path: join(f.dir, 'a.log'),
      hmac_accessor: 'false',
    });
  });

  it('needs sudo on audit and audit/*, not on audit-hash', () => {
    expect(matchesSpecial(AUDIT_ROOT_PATHS, 'audit')).toBe(true);
    expect(matchesSpecial(AUDIT_ROOT_PATHS, 'audit/file')).toBe(true);
    expect(matchesSpecial(AUDIT_ROOT_PATHS, 'audit-hash/file')).toBe(false);
  });
});

describe('sys/audit-hash', () => {
  it('returns the hash that appears in the device’s log for the same value', async () => {
    const file = join(f.dir, 'audit.log');
    await call('update', 'audit/file', { type: 'file', options: { file_path: file } });
    await f.broker.logRequest(requestEntry());

    const response = await call('update', 'audit-hash/file', { input: MARKERS.password });
    const hash = at(response?.data, 'hash');
    expect(hash).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(at(response?.topLevel, 'hash')).toBe(hash);
    const [line] = await readLines(file);
    expect(at(line, 'request', 'data', 'password')).toBe(hash);

    const tokenHash = at(
      await call('update', 'audit-hash/file', { input: MARKERS.token }),
      'data',
      'hash',
    );
    expect(at(line, 'auth', 'client_token')).toBe(tokenHash);
    expect(await readFile(file, 'utf8')).not.toContain(MARKERS.password);
  });

  it('answers 400 for an unknown device and for a missing input', async () => {
    await expect(call('update', 'audit-hash/none', { input: 'x' })).rejects.toMatchObject({
      status: 400,
    });
    await call('update', 'audit/file', {
      type: 'file',
      options: { file_path: join(f.dir, 'a.log') },
    });
    await expect(call('update', 'audit-hash/file', {})).rejects.toMatchObject({ status: 400 });
  });
});
