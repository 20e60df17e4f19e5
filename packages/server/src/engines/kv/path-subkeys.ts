/**
 * KV v2 `subkeys/<path>`: the shape of a secret without its values.
 *
 * Every leaf (a non-object, or an empty object) becomes null; `depth` > 0 cuts the tree at that
 * level. Missing, deleted and destroyed versions answer exactly as `data/<path>` reads do, with
 * `subkeys: null` in the body of a deleted version's 404.
 */
import { definePath } from '../../framework/path.ts';
import type { CompiledPath } from '../../framework/path.ts';
import { invalidField } from '../../logical/errors.ts';
import { readLiveVersion } from './path-data.ts';
import { assertSecretPath } from './storage-layout.ts';
import { subkeysOf, versionMetadata } from './version-rules.ts';

const fields = {
  path: { type: 'string', description: 'Location of the secret.', required: true },
  version: {
    type: 'int',
    description: 'The version to describe; 0 or absent describes the latest.',
    default: 0,
  },
  depth: {
    type: 'int',
    description: 'The deepest nesting level to show; 0 (default) shows all levels.',
    default: 0,
  },
} as const;

export function subkeysPaths(): CompiledPath[] {
  return [
    definePath({
      pattern: 'subkeys/(?<path>.+)',
      fields,
      operations: {
        read: async (ctx) => {
          const { path, version, depth } = ctx.fields;
          assertSecretPath(path);
          if (depth < 0) throw invalidField('depth', 'must not be negative');
          const live = await readLiveVersion(ctx, path, version, 'subkeys');
          return {
            data: {
              subkeys: subkeysOf(live.data, depth),
              metadata: versionMetadata(live.meta, live.version, live.record),
            },
          };
        },
      },
      help: 'Reads the keys of a secret with every value replaced by null.',
    }),
  ];
}
