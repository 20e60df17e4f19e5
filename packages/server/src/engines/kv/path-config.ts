/**
 * KV v2 `config`: engine-wide `max_versions`, `cas_required` and `delete_version_after`.
 *
 * A write changes only the fields sent (answers 204); a read answers all three, the duration as
 * Vault prints it (`"3h25m19s"`, `"0s"`). Settings apply to versions written afterwards; the
 * engine-wide `max_versions` trims a secret's history at its next write.
 */
import { formatDuration } from '@strongroom/protocol';
import { definePath } from '../../framework/path.ts';
import type { CompiledPath } from '../../framework/path.ts';
import { invalidField } from '../../logical/errors.ts';
import { kvV2Event } from './events.ts';
import { readConfig, writeConfig } from './storage-layout.ts';
import { CONFIG_LOCK } from './v2-deps.ts';
import type { KvV2Deps } from './v2-deps.ts';

const fields = {
  max_versions: {
    type: 'int',
    description: 'Versions to keep per secret; 0 keeps ten. A secret can set its own.',
  },
  cas_required: {
    type: 'bool',
    description: 'Require `options.cas` on every write of every secret.',
  },
  delete_version_after: {
    type: 'duration',
    description: 'Soft-delete each new version this long after it is written; 0 = never.',
  },
} as const;

export function configPaths(deps: KvV2Deps): CompiledPath[] {
  return [
    definePath({
      pattern: 'config',
      fields,
      operations: {
        read: async ({ storage }) => {
          const config = await readConfig(storage);
          return {
            data: {
              cas_required: config.casRequired,
              delete_version_after: formatDuration(config.deleteVersionAfterMs),
              max_versions: config.maxVersions,
            },
          };
        },
        update: async (ctx) => {
          const { max_versions, cas_required, delete_version_after } = ctx.fields;
          if (max_versions !== undefined && max_versions < 0) {
            throw invalidField('max_versions', 'must not be negative');
          }
          return deps.locks.run(CONFIG_LOCK, async () => {
            const config = await readConfig(ctx.storage);
            await writeConfig(ctx.storage, {
              maxVersions: max_versions ?? config.maxVersions,
              casRequired: cas_required ?? config.casRequired,
              deleteVersionAfterMs: delete_version_after ?? config.deleteVersionAfterMs,
            });
            return {
              events: [
                kvV2Event(ctx.mount, {
                  operation: 'config-write',
                  path: '',
                  requestPath: ctx.request.path,
                  on: 'config',
                }),
              ],
            };
          });
        },
      },
      help: 'Configures the KV version 2 engine: versions kept, check-and-set, auto-deletion.',
    }),
  ];
}
