/**
 * Change events over real Server-Sent Events on loopback: a real server, `fetch` with a
 * streaming reader. Proves what a subscriber sees (type, path, version, mount; never a value),
 * that delivery is authorized per event with the subscriber's token, that revoking the token
 * ends the stream, that subscribing needs `read` on the subscribe path, and that a subscriber
 * that never reads is dropped instead of growing the server's memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinBackends } from '../src/builtin.ts';
import { startServer } from '../src/server.ts';
import type { RunningServer } from '../src/server.ts';
import { call } from './support/http.ts';
import { LogSink } from './support/log-sink.ts';
import { sampleValue } from './support/metrics.ts';
import { END_OF_STREAM, SseStream } from './support/sse.ts';
import type { SseFrame } from './support/sse.ts';

const ROOT = 'root';
const MERGE_PATCH = { 'Content-Type': 'application/merge-patch+json' };

const secretValue = (name: string): string =>
  `${name}-${Math.random().toString(36).slice(2)}-do-not-leak`;

describe('change events over Server-Sent Events', () => {
  let server: RunningServer;
  let address: string;
  const log = new LogSink();
  const open: SseStream[] = [];

  async function tokenAndAccessor(
    policies: string[],
  ): Promise<{ token: string; accessor: string }> {
    const created = await call(address, 'POST', 'auth/token/create', {
      token: ROOT,
      body: { policies, ttl: '1h', no_default_policy: true },
    });
    expect(created.status).toBe(200);
    return {
      token: created.body.auth.client_token as string,
      accessor: created.body.auth.accessor as string,
    };
  }

  async function tokenWith(policies: string[]): Promise<string> {
    return (await tokenAndAccessor(policies)).token;
  }

  async function subscribe(
    eventType: string,
    token: string,
    options: { read?: boolean } = {},
  ): Promise<SseStream> {
    const stream = await SseStream.subscribe(address, eventType, token, options);
    open.push(stream);
    return stream;
  }

  async function write(path: string, body: unknown, method = 'PUT', headers = {}): Promise<void> {
    const reply = await call(address, method, path, { token: ROOT, body, headers });
    expect(reply.status, `${method} ${path}: ${reply.text}`).toBeLessThan(300);
  }

  async function remove(path: string): Promise<void> {
    const reply = await call(address, 'DELETE', path, { token: ROOT });
    expect(reply.status, `DELETE ${path}: ${reply.text}`).toBe(204);
  }

  async function subscriberGauge(): Promise<number | undefined> {
    const { body } = await server.core.metrics.render();
    return sampleValue(body, 'strongroom_event_subscribers');
  }

  const forPath =
    (dataPath: string) =>
    (frame: SseFrame): boolean =>
      frame.data.data.event.metadata.data_path === dataPath;

  beforeAll(async () => {
    server = await startServer({
      dev: { rootTokenId: ROOT },
      listenAddress: '127.0.0.1:0',
      logDestination: log,
      backends: builtinBackends,
    });
    address = server.address;
    const mounted = await call(address, 'POST', 'sys/mounts/kv1', {
      token: ROOT,
      body: { type: 'kv', options: { version: '1' } },
    });
    expect(mounted.status).toBe(204);
    const policies: Record<string, string> = {
      'events-all': `
        path "sys/events/subscribe/kv*" { capabilities = ["read"] }
        path "secret/data/*" { capabilities = ["read"] }
        path "kv1/*" { capabilities = ["read"] }`,
      'events-public': `
        path "sys/events/subscribe/kv*" { capabilities = ["read"] }
        path "secret/data/public/*" { capabilities = ["read"] }`,
      'no-subscribe': `
        path "secret/data/*" { capabilities = ["read"] }
        path "sys/events/subscribe/other" { capabilities = ["read"] }`,
    };
    for (const [name, policy] of Object.entries(policies)) {
      const put = await call(address, 'PUT', `sys/policies/acl/${name}`, {
        token: ROOT,
        body: { policy },
      });
      expect(put.status).toBe(204);
    }
  });

  afterAll(async () => {
    for (const stream of open) stream.close();
    await server.close();
  });

  it('a kv-v2 data-write carries the path, version and mount, never the value', async () => {
    const stream = await subscribe('kv-v2/*', await tokenWith(['events-all']));
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    const first = secretValue('first');
    const second = secretValue('second');

    await write('secret/data/app/db', { data: { password: first } });
    const created = await stream.nextMatching(forPath('secret/data/app/db'));
    expect(created.event).toBe('kv-v2/data-write');
    expect(created.data).toMatchObject({
      specversion: '1.0',
      datacontentype: 'application/cloudevents',
      data: {
        event_type: 'kv-v2/data-write',
        event: {
          metadata: {
            data_path: 'secret/data/app/db',
            current_version: '1',
            operation: 'data-write',
          },
        },
        plugin_info: { mount_path: 'secret/', plugin: 'kv', mount_class: 'secret' },
      },
    });
    expect(created.data.data.event.id).toBe(created.data.id);

    await write('secret/data/app/db', { data: { password: second } });
    const updated = await stream.nextMatching(forPath('secret/data/app/db'));
    expect(updated.data.data.event_type).toBe('kv-v2/data-write');
    expect(updated.data.data.event.metadata.current_version).toBe('2');

    // The raw bytes on the wire, not just the parsed fields, never hold a written value.
    for (const raw of stream.rawFrames) {
      expect(raw).not.toContain(first);
      expect(raw).not.toContain(second);
    }
  });

  it('kv-v2 data-patch and data-delete, with their versions', async () => {
    const stream = await subscribe('kv-v2/*', await tokenWith(['events-all']));
    const original = secretValue('original');
    const patched = secretValue('patched');
    const path = 'secret/data/app/patched';

    await write(path, { data: { a: original } });
    const written = await stream.nextMatching(forPath(path));
    expect(written.data.data.event_type).toBe('kv-v2/data-write');

    await write(path, { data: { b: patched } }, 'PATCH', MERGE_PATCH);
    const patch = await stream.nextMatching(forPath(path));
    expect(patch.event).toBe('kv-v2/data-patch');
    expect(patch.data.data.event.metadata).toMatchObject({
      data_path: path,
      current_version: '2',
      operation: 'data-patch',
    });
    expect(patch.data.data.plugin_info.mount_path).toBe('secret/');

    await remove(path);
    const deleted = await stream.nextMatching(forPath(path));
    expect(deleted.event).toBe('kv-v2/data-delete');
    expect(deleted.data.data.event.metadata).toMatchObject({
      data_path: path,
      current_version: '2',
      operation: 'data-delete',
    });

    for (const raw of stream.rawFrames) {
      expect(raw).not.toContain(original);
      expect(raw).not.toContain(patched);
    }
  });

  it('kv-v1 write and delete on a v1 mount', async () => {
    const stream = await subscribe('kv-v1/*', await tokenWith(['events-all']));
    const value = secretValue('v1');

    await write('kv1/app/config', { api_key: value });
    const written = await stream.nextEvent();
    expect(written.event).toBe('kv-v1/write');
    expect(written.data.data).toMatchObject({
      event_type: 'kv-v1/write',
      event: { metadata: { data_path: 'kv1/app/config', path: 'app/config' } },
      plugin_info: { mount_path: 'kv1/', plugin: 'kv' },
    });

    await remove('kv1/app/config');
    const deleted = await stream.nextEvent();
    expect(deleted.event).toBe('kv-v1/delete');
    expect(deleted.data.data.event.metadata.data_path).toBe('kv1/app/config');

    // A kv-v1/* subscriber does not see kv-v2 events.
    await write('secret/data/app/v2-only', { data: { x: value } });
    await write('kv1/app/marker', { x: 'marker' });
    const next = await stream.nextEvent();
    expect(next.data.data.event.metadata.data_path).toBe('kv1/app/marker');

    for (const raw of stream.rawFrames) expect(raw).not.toContain(value);
  });

  it('delivers only what the subscriber may read', async () => {
    const stream = await subscribe('kv*', await tokenWith(['events-public']));
    const hidden = secretValue('private');

    // Delivery keeps publish order per subscriber, so had the private event been delivered it
    // would arrive before the public one.
    await write('secret/data/private/one', { data: { v: hidden } });
    await write('secret/data/public/one', { data: { v: 'public' } });
    const first = await stream.nextEvent();
    expect(first.data.data.event.metadata.data_path).toBe('secret/data/public/one');

    await write('secret/data/private/two', { data: { v: hidden } });
    await write('kv1/anything', { v: hidden });
    await write('secret/data/public/two', { data: { v: 'public' } });
    const second = await stream.nextEvent();
    expect(second.data.data.event.metadata.data_path).toBe('secret/data/public/two');

    for (const raw of stream.rawFrames) {
      expect(raw).not.toContain('private/');
      expect(raw).not.toContain(hidden);
    }
  });

  it('revoking the subscriber token ends its stream at the next delivery', async () => {
    const token = await tokenWith(['events-all']);
    const stream = await subscribe('kv-v2/*', token);
    await write('secret/data/revoke/before', { data: { v: 1 } });
    expect((await stream.nextEvent()).data.data.event.metadata.data_path).toBe(
      'secret/data/revoke/before',
    );

    const revoked = await call(address, 'POST', 'auth/token/revoke', {
      token: ROOT,
      body: { token },
    });
    expect(revoked.status).toBe(204);
    await write('secret/data/revoke/after', { data: { v: 2 } });
    expect(await stream.next()).toBe(END_OF_STREAM);
    expect(stream.rawFrames.join('\n')).not.toContain('revoke/after');
  });

  it('refuses a token without read on the subscribe path, and no token, with 403', async () => {
    const before = await subscriberGauge();
    const denied = await SseStream.open(address, 'kv-v2/*', await tokenWith(['no-subscribe']));
    expect(denied).not.toBeInstanceOf(SseStream);
    expect(denied).toMatchObject({ status: 403 });
    expect(JSON.parse((denied as { text: string }).text)).toEqual({
      errors: ['permission denied'],
    });

    const anonymous = await SseStream.open(address, 'kv-v2/*', undefined);
    expect(anonymous).toMatchObject({ status: 403 });
    expect(JSON.parse((anonymous as { text: string }).text).errors).toEqual(
      expect.any(Array) as unknown,
    );

    // The refused attempts left no subscription behind.
    expect(await subscriberGauge()).toBe(before);
  });

  /** The request-log line the server writes when a subscription stream of `accessor` ends. */
  const streamLogged = (accessor: string) => (): Promise<boolean> =>
    Promise.resolve(
      log
        .requests()
        .some((e) => String(e.path).startsWith('sys/events/subscribe/') && e.accessor === accessor),
    );

  /** Publishes `count` KV v2 writes with long paths (big events), 50 at a time. */
  async function publishBig(prefix: string, from: number, count: number): Promise<void> {
    const long = 'x'.repeat(8000);
    for (let done = 0; done < count; done += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, count - done) }, (_, i) =>
          write(`secret/data/${prefix}/${long}/${from + done + i}`, { data: { v: 1 } }),
        ),
      );
    }
  }

  it('drops a subscriber that never reads instead of buffering without bound', async () => {
    for (const stream of open) stream.close();
    await waitFor(async () => (await subscriberGauge()) === 0);

    const { token, accessor } = await tokenAndAccessor(['events-all']);
    const stream = await subscribe('kv-v2/*', token, { read: false });
    expect(await subscriberGauge()).toBe(1);
    // Long paths make big events, so the socket buffers fill after a few hundred of them; the
    // bus then queues up to its limit (1000) and drops the subscriber.
    let published = 0;
    while ((await subscriberGauge()) !== 0) {
      if (published >= 20_000) throw new Error(`still subscribed after ${published} events`);
      await publishBig('slow', published, 50);
      published += 50;
    }
    expect(published).toBeGreaterThanOrEqual(100);
    // The server let go of the stream at once (its request-log line is written when the stream
    // handler finishes), although the client has still not read a byte.
    await waitFor(streamLogged(accessor));

    // Reading now drains what the sockets held, then sees the end of the stream: the events
    // queued for it were dropped, not kept.
    stream.resume();
    await stream.waitForEnd(30_000);
    expect(stream.rawFrames.length).toBeLessThan(published);
    expect(stream.rawFrames.length).toBeGreaterThan(0);
  }, 120_000);

  it('releases a backed-up stream when its client disconnects', async () => {
    const { token, accessor } = await tokenAndAccessor(['events-all']);
    const stream = await subscribe('kv-v2/*', token, { read: false });
    // Enough big events to back up the socket, too few for the bus to drop the subscriber.
    await publishBig('gone', 0, 500);
    expect(await subscriberGauge()).toBe(1);
    expect(await streamLogged(accessor)()).toBe(false);

    stream.close();
    await waitFor(async () => (await subscriberGauge()) === 0);
    await waitFor(streamLogged(accessor));
  }, 120_000);
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
