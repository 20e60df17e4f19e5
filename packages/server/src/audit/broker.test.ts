import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogicalError } from '../logical/errors.ts';
import { AUDIT_TABLE_KEY } from './audit-table.ts';
import { AuditFailedError } from './broker.ts';
import {
  CALLER,
  MARKERS,
  at,
  brokerFixture,
  leakedMarkers,
  readLines,
  requestEntry,
  responseEntry,
} from './test-support.ts';
import type { BrokerFixture } from './test-support.ts';

let f: BrokerFixture;

beforeEach(async () => {
  f = await brokerFixture();
});

afterEach(async () => {
  await f.broker.close();
  await f.cleanup();
});

describe('AuditBroker with no device', () => {
  it('requires nothing', async () => {
    await expect(f.broker.logRequest(requestEntry())).resolves.toBeUndefined();
    await expect(f.broker.logResponse(responseEntry())).resolves.toBeUndefined();
    expect(f.broker.list()).toEqual([]);
  });
});

describe('AuditBroker records in Vault’s shape, hashed', () => {
  it('writes one request line and one response line', async () => {
    const file = join(f.dir, 'audit.log');
    await f.broker.enable({ path: 'file', type: 'file', options: { file_path: file } });
    await f.broker.logRequest(requestEntry());
    await f.broker.logResponse(responseEntry());

    const text = await readFile(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const [req, res, ...rest] = await readLines(file);
    expect(rest).toEqual([]);
    const hash = (value: string): string => f.broker.hash('file', value);

    expect(req).toMatchObject({ type: 'request', time: '2026-01-02T03:04:05.000Z' });
    expect(req?.auth).toEqual({
      client_token: hash(MARKERS.token),
      accessor: hash(MARKERS.accessor),
      display_name: 'token-app',
      policies: ['default', 'app'],
      token_policies: ['default', 'app'],
      metadata: { role: 'app' },
      entity_id: 'entity-1',
      token_type: 'service',
    });
    expect(req?.request).toEqual({
      id: 'req-0001',
      operation: 'update',
      mount_point: 'secret/',
      mount_type: 'kv',
      mount_accessor: 'kv_0001',
      client_token: hash(MARKERS.token),
      client_token_accessor: hash(MARKERS.accessor),
      namespace: { id: 'root' },
      path: 'secret/data/app',
      data: {
        password: hash(MARKERS.password),
        nested: {
          deeper: hash(MARKERS.nested),
          list: [hash(MARKERS.listItem), 7],
          count: 5,
          on: true,
        },
        nothing: null,
      },
      remote_address: '127.0.0.1',
    });
    expect(req).not.toHaveProperty('error');

    expect(res?.type).toBe('response');
    expect(res?.response).toEqual({
      mount_point: 'secret/',
      mount_type: 'kv',
      mount_accessor: 'kv_0001',
      auth: {
        client_token: hash(MARKERS.issuedToken),
        accessor: hash(MARKERS.issuedAccessor),
        policies: ['default', 'app'],
        token_policies: ['app'],
        metadata: { role: 'app' },
        token_type: 'service',
        token_ttl: 3600,
      },
      secret: { lease_id: 'secret/creds/app/lease-1' },
      data: { value: hash(MARKERS.responseValue), version: 3 },
      warnings: ['a warning'],
    });
    expect(leakedMarkers(text)).toEqual([]);
  });

  it('never writes a raw token or value, whatever the request carries', async () => {
    const file = join(f.dir, 'audit.log');
    await f.broker.enable({ path: 'file', type: 'file', options: { file_path: file } });
    await f.broker.logRequest(
      requestEntry({ data: { token: MARKERS.token, list: [[MARKERS.password]] } }),
    );
    await f.broker.logResponse(
      responseEntry(
        {
          response: {
            raw: { status: 200, contentType: 'text/plain', body: MARKERS.responseValue },
          },
        },
        { operation: 'read' },
      ),
    );
    const text = await readFile(file, 'utf8');
    expect(leakedMarkers(text)).toEqual([]);
    const lines = await readLines(file);
    expect(at(lines[1], 'response', 'data')).toEqual({
      http_status_code: 200,
      http_content_type: f.broker.hash('file', 'text/plain'),
      http_raw_body: f.broker.hash('file', MARKERS.responseValue),
    });
  });

  it('hashes wrap tokens when the result carries them', async () => {
    const file = join(f.dir, 'audit.log');
    await f.broker.enable({ path: 'file', type: 'file', options: { file_path: file } });
    const entry = responseEntry();
    const wrapped = {
      ...entry,
      result: {
        ...entry.result!,
        wrapInfo: {
          token: 'hvs.MARKERWRAPTOKEN',
          accessor: 'MARKERWRAPACCESSOR',
          ttlMs: 300_000,
          creationTime: Date.UTC(2026, 0, 1),
          creationPath: 'secret/data/app',
        },
      },
    };
    await f.broker.logResponse(wrapped);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('MARKERWRAP');
    const [line] = await readLines(file);
    expect(at(line, 'response', 'wrap_info')).toEqual({
      ttl: 300,
      token: f.broker.hash('file', 'hvs.MARKERWRAPTOKEN'),
      accessor: f.broker.hash('file', 'MARKERWRAPACCESSOR'),
      creation_time: '2026-01-01T00:00:00.000Z',
      creation_path: 'secret/data/app',
    });
  });

  it('writes accessors in clear with hmac_accessor=false, tokens still hashed', async () => {
    const file = join(f.dir, 'audit.log');
    await f.broker.enable({
      path: 'file',
      type: 'file',
      options: { file_path: file, hmac_accessor: 'false' },
    });
    await f.broker.logRequest(requestEntry());
    await f.broker.logResponse(responseEntry());
    const [req, res] = await readLines(file);
    expect(at(req, 'auth', 'accessor')).toBe(MARKERS.accessor);
    expect(at(req, 'request', 'client_token_accessor')).toBe(MARKERS.accessor);
    expect(at(req, 'auth', 'client_token')).toBe(f.broker.hash('file', MARKERS.token));
    expect(at(res, 'response', 'auth', 'accessor')).toBe(MARKERS.issuedAccessor);
    expect(at(res, 'response', 'auth', 'client_token')).toBe(
      f.broker.hash('file', MARKERS.issuedToken),
    );
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(MARKERS.token);
    expect(text).not.toContain(MARKERS.issuedToken);
  });

  it('records failed requests with the caller’s error message, never an internal one', async () => {
    const file = join(f.dir, 'audit.log');
    await f.broker.enable({ path: 'file', type: 'file', options: { file_path: file } });
    await f.broker.logResponse({
      request: requestEntry().request,
      auth: CALLER,
      error: new LogicalError('permission_denied', 403, 'permission denied'),
    });
    await f.broker.logResponse({
      request: requestEntry().request,
      auth: CALLER,
      error: new Error(`driver said ${MARKERS.password}`),
    });
    const [denied, internal] = await readLines(file);
    expect(denied?.error).toBe('permission denied');
    expect(internal?.error).toBe('internal error (request req-0001)');
    expect(leakedMarkers(await readFile(file, 'utf8'))).toEqual([]);
  });

  it('writes the auth block empty for an unauthenticated request', async () => {
    const file = join(f.dir, 'audit.log');
    await f.broker.enable({ path: 'file', type: 'file', options: { file_path: file } });
    const { auth: _auth, ...anonymous } = requestEntry().request;
    await f.broker.logRequest({ request: { ...anonymous, clientToken: '' }, auth: undefined });
    const [line] = await readLines(file);
    expect(line?.auth).toEqual({});
    expect(at(line, 'request', 'client_token')).toBeUndefined();
  });

  it('applies prefix and elide_list_responses', async () => {
    const file = join(f.dir, 'audit.log');
    await f.broker.enable({
      path: 'file',
      type: 'file',
      options: { file_path: file, prefix: 'AUDIT: ', elide_list_responses: 'true' },
    });
    await f.broker.logResponse(
      responseEntry(
        { response: { data: { keys: ['a', 'b', 'c'], key_info: { a: {}, b: {} } } } },
        { operation: 'list' },
      ),
    );
    const text = await readFile(file, 'utf8');
    expect(text.startsWith('AUDIT: {')).toBe(true);
    const record = JSON.parse(text.slice('AUDIT: '.length)) as Record<string, unknown>;
    expect(at(record, 'response', 'data')).toEqual({ keys: 3, key_info: 2 });
  });

  it('keeps lines whole under concurrent records', async () => {
    const file = join(f.dir, 'audit.log');
    await f.broker.enable({ path: 'file', type: 'file', options: { file_path: file } });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => f.broker.logRequest(requestEntry({ id: `req-${i}` }))),
    );
    const lines = await readLines(file);
    expect(lines).toHaveLength(50);
    expect(new Set(lines.map((l) => at(l, 'request', 'id'))).size).toBe(50);
  });

  it('gives each device its own salt', async () => {
    const a = join(f.dir, 'a.log');
    const b = join(f.dir, 'b.log');
    await f.broker.enable({ path: 'a', type: 'file', options: { file_path: a } });
    await f.broker.enable({ path: 'b', type: 'file', options: { file_path: b } });
    await f.broker.logRequest(requestEntry());
    const [lineA] = await readLines(a);
    const [lineB] = await readLines(b);
    expect(at(lineA, 'request', 'data', 'password')).toBe(f.broker.hash('a', MARKERS.password));
    expect(at(lineB, 'request', 'data', 'password')).toBe(f.broker.hash('b', MARKERS.password));
    expect(f.broker.hash('a', 'x')).not.toBe(f.broker.hash('b', 'x'));
  });

  it('writes to an injected stdout with file_path=stdout, and nowhere with discard', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    const g = await brokerFixture({ stdout: out });
    try {
      await g.broker.enable({ path: 'out', type: 'file', options: { file_path: 'stdout' } });
      await g.broker.enable({ path: 'null', type: 'file', options: { file_path: 'discard' } });
      await g.broker.logRequest(requestEntry());
      const text = chunks.join('');
      expect(text.split('\n').filter(Boolean)).toHaveLength(1);
      expect(leakedMarkers(text)).toEqual([]);
    } finally {
      await g.broker.close();
      await g.cleanup();
    }
  });
});

describe('fail-closed', () => {
  it('refuses when the only device cannot write, and says nothing secret', async () => {
    const dir = join(f.dir, 'logs');
    await mkdir(dir);
    const file = join(dir, 'audit.log');
    await f.broker.enable({ path: 'file', type: 'file', options: { file_path: file } });
    await f.broker.logRequest(requestEntry());

    // Replace the directory by a regular file: reopening the log now fails, even as root.
    await rm(dir, { recursive: true });
    await writeFile(dir, 'not a directory');
    await f.broker.reopen();

    const failure = await f.broker.logRequest(requestEntry()).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(AuditFailedError);
    await expect(f.broker.logResponse(responseEntry())).rejects.toBeInstanceOf(AuditFailedError);
    const logged = f.log.text();
    expect(logged).toContain('ENOTDIR');
    expect(leakedMarkers(logged + String(failure))).toEqual([]);
  });

  it('succeeds when at least one of two devices records', async () => {
    const dir = join(f.dir, 'logs');
    await mkdir(dir);
    const broken = join(dir, 'audit.log');
    const good = join(f.dir, 'good.log');
    await f.broker.enable({ path: 'broken', type: 'file', options: { file_path: broken } });
    await f.broker.enable({ path: 'good', type: 'file', options: { file_path: good } });
    await rm(dir, { recursive: true });
    await writeFile(dir, 'not a directory');
    await f.broker.reopen();

    await f.broker.logRequest(requestEntry({ id: 'one-of-two' }));
    const lines = await readLines(good);
    expect(lines.map((l) => at(l, 'request', 'id'))).toEqual(['one-of-two']);
    expect(f.log.lines.some((l) => l.path === 'broken/')).toBe(true);
  });

  it('refuses to enable a file device whose path cannot be opened, and stores nothing', async () => {
    const parent = join(f.dir, 'plain-file');
    await writeFile(parent, 'x');
    const error = await f.broker
      .enable({ path: 'file', type: 'file', options: { file_path: join(parent, 'audit.log') } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(LogicalError);
    expect((error as LogicalError).status).toBe(400);
    expect((error as LogicalError).message).toContain('ENOTDIR');
    expect(f.broker.list()).toEqual([]);
    expect(await f.storage.get(AUDIT_TABLE_KEY)).toBeUndefined();
    // No device: requests are not refused.
    await f.broker.logRequest(requestEntry());
  });

  it('refuses a directory as the file path', async () => {
    await expect(
      f.broker.enable({ path: 'file', type: 'file', options: { file_path: f.dir } }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('uses the device again once its destination is back', async () => {
    const dir = join(f.dir, 'logs');
    await mkdir(dir);
    const file = join(dir, 'audit.log');
    await f.broker.enable({ path: 'file', type: 'file', options: { file_path: file } });
    await rm(dir, { recursive: true });
    await writeFile(dir, 'x');
    await f.broker.reopen();
    await expect(f.broker.logRequest(requestEntry())).rejects.toBeInstanceOf(AuditFailedError);
    await rm(dir);
    await mkdir(dir);
    await f.broker.logRequest(requestEntry({ id: 'back' }));
    expect((await readLines(file)).map((l) => at(l, 'request', 'id'))).toEqual(['back']);
  });
});

describe('rotation', () => {
  it('reopen() starts a new file after the old one was renamed', async () => {
    const file = join(f.dir, 'audit.log');
    await f.broker.enable({ path: 'file', type: 'file', options: { file_path: file } });
    await f.broker.logRequest(requestEntry({ id: 'before' }));
    await rename(file, `${file}.1`);
    // Until the reopen, records follow the renamed file (the descriptor is still open).
    await f.broker.logRequest(requestEntry({ id: 'renamed' }));
    await f.broker.reopen();
    await f.broker.logRequest(requestEntry({ id: 'after' }));

    const ids = async (path: string): Promise<unknown[]> =>
      (await readLines(path)).map((l) => at(l, 'request', 'id'));
    expect(await ids(`${file}.1`)).toEqual(['before', 'renamed']);
    expect(await ids(file)).toEqual(['after']);
  });
});

describe('options', () => {
  it('sets the file mode, clearing executable bits', async () => {
    const a = join(f.dir, 'a.log');
    const b = join(f.dir, 'b.log');
    await f.broker.enable({ path: 'a', type: 'file', options: { file_path: a } });
    await f.broker.enable({ path: 'b', type: 'file', options: { file_path: b, mode: '0755' } });
    expect((await stat(a)).mode & 0o777).toBe(0o600);
    expect((await stat(b)).mode & 0o777).toBe(0o644);
  });

  it('refuses bad input with a 400 and stores nothing', async () => {
    const file = join(f.dir, 'audit.log');
    const cases = [
      { path: 'x', type: 'nope', options: {} },
      { path: 'x', type: '', options: {} },
      { path: 'x', type: 'file', options: {} },
      { path: 'x', type: 'file', options: { file_path: file, mode: 'rw' } },
      { path: 'x', type: 'file', options: { file_path: file, mode: '4755' } },
      { path: 'x', type: 'file', options: { file_path: file, format: 'jsonx' } },
      { path: 'x', type: 'file', options: { file_path: file, log_raw: 'true' } },
      { path: 'x', type: 'file', options: { file_path: file, hmac_accessor: 'maybe' } },
      { path: 'x', type: 'file', options: { file_path: file, nested: { a: 1 } } },
      { path: 'x', type: 'socket', options: { address: 'no-port' } },
      { path: 'x', type: 'socket', options: { address: '127.0.0.1:1', socket_type: 'udp' } },
      { path: 'x', type: 'socket', options: { address: '127.0.0.1:1', write_timeout: 'soon' } },
      { path: '', type: 'file', options: { file_path: file } },
    ];
    for (const input of cases) {
      await expect(f.broker.enable(input), JSON.stringify(input)).rejects.toMatchObject({
        status: 400,
      });
    }
    expect(f.broker.list()).toEqual([]);
    expect(await f.storage.get(AUDIT_TABLE_KEY)).toBeUndefined();
  });

  it('refuses a path in use, or nested in or around one', async () => {
    await f.broker.enable({
      path: 'team/file',
      type: 'file',
      options: { file_path: join(f.dir, 'a.log') },
    });
    for (const path of ['team/file', 'team/file/', 'team', 'team/file/x']) {
      await expect(
        f.broker.enable({ path, type: 'file', options: { file_path: join(f.dir, 'b.log') } }),
      ).rejects.toMatchObject({ status: 400 });
    }
  });
});

describe('persistence', () => {
  it('re-enables devices after load, with the same salts, and closes on seal', async () => {
    const a = join(f.dir, 'a.log');
    const b = join(f.dir, 'b.log');
    await f.broker.enable({
      path: 'a',
      type: 'file',
      description: 'first',
      options: { file_path: a, hmac_accessor: 'false' },
    });
    await f.broker.enable({ path: 'b', type: 'file', options: { file_path: b }, local: true });
    const listed = f.broker.list();
    const hashA = f.broker.hash('a', 'value');
    await f.broker.close();
    expect(f.broker.list()).toEqual([]);

    const restarted = f.restart();
    await restarted.load();
    try {
      expect(restarted.list()).toEqual(listed);
      expect(restarted.hash('a', 'value')).toBe(hashA);
      await restarted.logRequest(requestEntry({ id: 'after-restart' }));
      const [line] = await readLines(a);
      expect(at(line, 'request', 'id')).toBe('after-restart');
      expect(at(line, 'auth', 'accessor')).toBe(MARKERS.accessor);
      expect(at(line, 'request', 'data', 'password')).toBe(restarted.hash('a', MARKERS.password));
      // load() again is idempotent.
      await restarted.load();
      expect(restarted.list()).toEqual(listed);
    } finally {
      await restarted.close();
    }
  });

  it('stays fail-closed when a persisted device cannot be opened at load', async () => {
    const dir = join(f.dir, 'logs');
    await mkdir(dir);
    await f.broker.enable({
      path: 'file',
      type: 'file',
      options: { file_path: join(dir, 'audit.log') },
    });
    await f.broker.close();
    await rm(dir, { recursive: true });
    await writeFile(dir, 'x');

    const restarted = f.restart();
    await restarted.load();
    try {
      expect(restarted.list().map((d) => d.path)).toEqual(['file/']);
      await expect(restarted.logRequest(requestEntry())).rejects.toBeInstanceOf(AuditFailedError);
    } finally {
      await restarted.close();
    }
  });

  it('keeps the salt out of listings and logs', async () => {
    const file = join(f.dir, 'audit.log');
    await f.broker.enable({ path: 'file', type: 'file', options: { file_path: file } });
    const raw = new TextDecoder().decode(await f.storage.get(AUDIT_TABLE_KEY));
    const salt = /"salt":"([0-9a-f]{64})"/.exec(raw)?.[1];
    expect(salt).toBeDefined();
    await f.broker.logRequest(requestEntry());
    expect(JSON.stringify(f.broker.list())).not.toContain(salt);
    expect(await readFile(file, 'utf8')).not.toContain(salt);
    expect(f.log.text()).not.toContain(salt);
  });

  it('disable stops writing at once and forgets the device; a missing path is fine', async () => {
    const file = join(f.dir, 'audit.log');
    await f.broker.enable({ path: 'file', type: 'file', options: { file_path: file } });
    await f.broker.disable('file/');
    await f.broker.disable('file');
    await f.broker.logRequest(requestEntry());
    expect(await readLines(file)).toEqual([]);
    expect(f.broker.list()).toEqual([]);
    const restarted = f.restart();
    await restarted.load();
    expect(restarted.list()).toEqual([]);
    expect(() => restarted.hash('file', 'x')).toThrow(LogicalError);
  });
});
