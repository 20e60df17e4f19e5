/**
 * KV version 1: one unversioned JSON object per path (`<mount>/<path>`).
 *
 * Contracts, as Vault's:
 * - a write replaces the whole secret with the body's keys (any keys; a `ttl` key must be a
 *   duration and becomes the advisory `lease_duration` of reads; no lease is created);
 * - a read of a missing secret is 404 with `{"errors":[]}`;
 * - a list names children, folders with a trailing `/`; an empty or missing folder is 404;
 * - a delete succeeds whether or not the secret exists;
 * - a write to a path that holds nothing is a `create` for the ACL (existence check).
 */
import { listResponse } from '../../framework/list.ts';
import { DurationError, parseDuration } from '@strongroom/protocol';
import { definePath } from '../../framework/path.ts';
import type { CompiledPath } from '../../framework/path.ts';
import { badRequest, notFound } from '../../logical/errors.ts';
import { getJson, putJson } from '../../logical/storage.ts';
import { kvV1Event } from './events.ts';
import { V1_ROOT, assertSecretPath, listPrefix, v1Key } from './storage-layout.ts';

const fields = {
  path: {
    type: 'string',
    description: 'Location of the secret (or, for lists, the folder).',
    default: '',
  },
} as const;

export function v1Paths(): CompiledPath[] {
  return [
    definePath({
      pattern: '(?<path>.*)',
      fields,
      // The body is the secret: every key is valid input, and none is named in a warning.
      arbitraryInput: true,
      existenceCheck: async ({ storage, fields: { path } }) =>
        path !== '' && !path.endsWith('/') && (await storage.get(v1Key(path))) !== undefined,
      operations: {
        read: async ({ storage, fields: { path }, ttl }) => {
          assertSecretPath(path);
          const data = await getJson<Record<string, unknown>>(storage, v1Key(path));
          if (data === undefined) throw notFound(`no secret at "${path}"`, { errors: [] });
          const advisory =
            leaseSeconds(data.ttl ?? data.lease) ?? Math.floor(ttl.defaultTtlMs / 1000);
          return { data, topLevel: { lease_duration: advisory } };
        },
        update: async ({ storage, mount, fields: { path }, request }) => {
          assertSecretPath(path);
          const body = { ...request.data };
          if (Object.keys(body).length === 0) throw badRequest('missing data fields');
          const ttl = body.ttl ?? body.lease;
          if (ttl !== undefined && leaseSeconds(ttl) === undefined) {
            throw badRequest('failed to parse "ttl": expected a duration');
          }
          await putJson(storage, v1Key(path), body);
          return { events: [kvV1Event(mount, 'write', path)] };
        },
        delete: async ({ storage, mount, fields: { path } }) => {
          assertSecretPath(path);
          await storage.delete(v1Key(path));
          return { events: [kvV1Event(mount, 'delete', path)] };
        },
        list: async ({ storage, fields: { path } }) => {
          const keys = await storage.list(V1_ROOT + listPrefix(path));
          return listResponse(keys, `nothing under "${path}"`);
        },
      },
      help: 'Pass-through secret storage (KV version 1): read, write, list and delete secrets.',
    }),
  ];
}

/** The advisory TTL in seconds of a `ttl` value, or undefined when it is absent or not a duration. */
function leaseSeconds(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  try {
    return Math.floor(parseDuration(value) / 1000);
  } catch (error) {
    if (error instanceof DurationError) return undefined;
    throw error;
  }
}
