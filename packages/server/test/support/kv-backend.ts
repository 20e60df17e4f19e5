/**
 * A minimal key/value engine for the mount tests (the real KV engine lives in its own package
 * work): `<key>` read, write, delete and list, stored in the mount's own storage view. It
 * implements the real `Backend` contract through `defineBackend`, so mounting, tuning and
 * disabling go through exactly the paths a real engine does.
 */
import { defineBackend, definePath } from '../../src/framework/index.ts';
import type { BackendFactory } from '../../src/logical/backend.ts';
import { notFound } from '../../src/logical/errors.ts';
import { getJson, putJson } from '../../src/logical/storage.ts';

export const testKvBackend: BackendFactory = () =>
  defineBackend({
    type: 'kv',
    help: 'A minimal key/value store for tests.',
    paths: [
      definePath({
        pattern: '(?<prefix>(?:.+/)?)',
        fields: { prefix: { type: 'string', description: 'The folder to list.', default: '' } },
        operations: {
          list: async ({ storage, fields }) => {
            const keys = await storage.list(fields.prefix);
            if (keys.length === 0) throw notFound('not found', { errors: [] });
            return { data: { keys } };
          },
        },
        help: 'Lists keys.',
      }),
      definePath({
        pattern: '(?<key>.*[^/])',
        fields: { key: { type: 'string', description: 'The key.', required: true } },
        arbitraryInput: true,
        existenceCheck: async ({ storage, fields }) =>
          (await storage.get(fields.key)) !== undefined,
        operations: {
          read: async ({ storage, fields }) => {
            const data = await getJson<Record<string, unknown>>(storage, fields.key);
            if (data === undefined) throw notFound('not found', { errors: [] });
            return { data };
          },
          update: async ({ storage, fields, raw }) => {
            const { key: _key, ...data } = raw;
            await putJson(storage, fields.key, data);
            return undefined;
          },
          delete: async ({ storage, fields }) => {
            await storage.delete(fields.key);
            return undefined;
          },
        },
        help: 'Reads, writes or deletes a key.',
      }),
    ],
  });

export const testBackends: Readonly<Record<string, BackendFactory>> = {
  kv: testKvBackend,
  // A second type, so auth mounts can be enabled too.
  'test-auth': () =>
    defineBackend({
      type: 'test-auth',
      help: 'An auth method with no logins, for mount-table tests.',
      paths: [],
    }),
};
