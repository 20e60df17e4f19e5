import { describe, expect, it } from 'vitest';
import { ManualClock } from '@strongroom/protocol';
import type { RequestAuth } from '../../logical/request.ts';
import { testMount } from '../../test-support.ts';
import { EventBus } from './event-bus.ts';
import type { EventAuthorizer } from './event-bus.ts';

const mount = testMount({
  kind: 'secret',
  path: 'secret/',
  type: 'kv',
  accessor: 'kv_1',
  uuid: 'u',
  options: { version: '2' },
});

const auth = (hash: string): RequestAuth => ({
  accessor: `acc-${hash}`,
  tokenHash: hash,
  policies: ['default'],
  displayName: 'token',
  metadata: {},
  entityId: '',
  root: false,
  numUses: 0,
});

function harness(readable: (path: string) => boolean = () => true) {
  const valid = new Set(['t1', 't2']);
  const authorizer: EventAuthorizer = {
    current: (hash) => Promise.resolve(valid.has(hash) ? auth(hash) : undefined),
    canRead: (_auth, path) => Promise.resolve(readable(path)),
  };
  const bus = new EventBus({ clock: new ManualClock(0), authorizer, maxQueued: 3 });
  return { bus, valid };
}

const write = (path: string, version = 1) => ({
  type: 'kv-v2/data-write',
  path,
  dataPath: `secret/data/${path}`,
  version,
  metadata: { modified: 'true', operation: 'data-write' },
});

describe('EventBus', () => {
  it('delivers matching events in order, in Vault CloudEvents shape, without values', async () => {
    const { bus } = harness();
    const sub = bus.subscribe('kv-v2/*', auth('t1'));
    bus.publish([write('a', 1), write('b', 2)], mount);
    const first = await sub.next();
    const second = await sub.next();
    expect(first?.data.event_type).toBe('kv-v2/data-write');
    expect(first?.data.event.metadata).toMatchObject({
      data_path: 'secret/data/a',
      current_version: '1',
      modified: 'true',
    });
    expect(first?.data.plugin_info).toEqual({
      mount_class: 'secret',
      mount_accessor: 'kv_1',
      mount_path: 'secret/',
      plugin: 'kv',
    });
    expect(first?.specversion).toBe('1.0');
    expect(second?.data.event.metadata.data_path).toBe('secret/data/b');
  });

  it('filters by event type glob', async () => {
    const { bus } = harness();
    const sub = bus.subscribe('kv-v1/write', auth('t1'));
    bus.publish([write('a'), { type: 'kv-v1/write', path: 'x', dataPath: 'kv/x' }], mount);
    expect((await sub.next())?.data.event_type).toBe('kv-v1/write');
  });

  it('delivers only what the token may read, checked at delivery', async () => {
    const { bus } = harness((path) => path.startsWith('secret/data/public/'));
    const sub = bus.subscribe('*', auth('t1'));
    bus.publish([write('private/x'), write('public/y')], mount);
    expect((await sub.next())?.data.event.metadata.data_path).toBe('secret/data/public/y');
  });

  it('ends the subscription when the token is revoked', async () => {
    const { bus, valid } = harness();
    const sub = bus.subscribe('*', auth('t2'));
    valid.delete('t2');
    bus.publish([write('a')], mount);
    expect(await sub.next()).toBeUndefined();
    expect(sub.endReason).toBe('token revoked');
    expect(bus.subscriberCount).toBe(0);
  });

  it('drops a subscriber that falls too far behind instead of growing memory', async () => {
    const { bus } = harness();
    const slow = bus.subscribe('*', auth('t1'));
    bus.publish([write('1'), write('2'), write('3'), write('4')], mount);
    await new Promise((resolve) => setImmediate(resolve));
    expect(slow.endReason).toBe('too slow');
    expect(await slow.next()).toBeUndefined();
  });

  it('closeAll ends waiting subscribers', async () => {
    const { bus } = harness();
    const sub = bus.subscribe('*', auth('t1'));
    const pending = sub.next();
    bus.closeAll('sealed');
    expect(await pending).toBeUndefined();
    expect(sub.endReason).toBe('sealed');
  });
});
