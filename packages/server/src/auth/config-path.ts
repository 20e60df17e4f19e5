/**
 * The `config` path a login method declares: one JSON document stored under `config`, shown by
 * a read (absent: no data) and replaced by a write. The method supplies its fields, how the
 * config is shown (leaving out what a read must never return), and how a write builds and
 * validates the document to store.
 */
import type { FieldTable } from '../framework/fields.ts';
import { definePath } from '../framework/path.ts';
import type { CompiledPath, PathContext } from '../framework/path.ts';
import { getJson, putJson } from '../logical/storage.ts';
import type { Storage } from '../logical/storage.ts';

const CONFIG_KEY = 'config';

/** The method's stored config, or undefined before the first write. */
export function readStoredConfig<C>(storage: Storage): Promise<C | undefined> {
  return getJson<C>(storage, CONFIG_KEY);
}

export function configPath<const F extends FieldTable, C>(spec: {
  readonly fields: F;
  /** The config as a `config` read shows it. */
  readonly view: (config: C) => Record<string, unknown>;
  /** The validated config to store for this write (it replaces the stored one). */
  readonly build: (ctx: PathContext<F>) => Promise<C>;
  /** Runs once the new config is stored, e.g. to drop what was cached from the old one. */
  readonly onStored?: () => void;
  readonly help: string;
}): CompiledPath {
  return definePath({
    pattern: 'config',
    fields: spec.fields,
    operations: {
      read: async ({ storage }) => {
        const config = await readStoredConfig<C>(storage);
        return config === undefined ? undefined : { data: spec.view(config) };
      },
      update: async (ctx) => {
        const config = await spec.build(ctx);
        await putJson(ctx.storage, CONFIG_KEY, config);
        spec.onStored?.();
        return undefined;
      },
    },
    help: spec.help,
  });
}
