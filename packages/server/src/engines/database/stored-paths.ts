/**
 * What the `config/`, `roles/` and `static-roles/` paths do alike with their stored documents:
 * list the names, check whether one exists, and read one as the path shows it. Writes and
 * deletes stay with each path: they lock, validate, rotate and install differently.
 */
import { listResponse } from '../../framework/list.ts';
import { definePath } from '../../framework/path.ts';
import type { CompiledPath } from '../../framework/path.ts';
import { notFound } from '../../logical/errors.ts';
import type { LogicalResponse } from '../../logical/response.ts';
import type { Storage } from '../../logical/storage.ts';
import type { DocumentStore } from './records.ts';

/** The part of a `<kind>/<name>` request these helpers use. */
interface NamedRequest {
  readonly storage: Storage;
  readonly fields: { readonly name: string };
}

/** LIST `pattern`: the names in `store`; 404 with no errors when there are none. */
export function listPath(
  pattern: string,
  store: DocumentStore<unknown>,
  help: string,
): CompiledPath {
  return definePath({
    pattern,
    fields: {},
    operations: {
      list: async ({ storage }) => listResponse(await store.names(storage)),
    },
    help,
  });
}

/** The existence check of a `<kind>/<name>` path: whether `store` holds `name`. */
export function isStored(
  store: DocumentStore<unknown>,
): (request: NamedRequest) => Promise<boolean> {
  return async ({ storage, fields }) => (await store.read(storage, fields.name)) !== undefined;
}

/** The read of a `<kind>/<name>` path: the document as `view` shows it; 404 with no errors when absent. */
export function readStored<E>(
  store: DocumentStore<E>,
  view: (entry: E) => Record<string, unknown>,
): (request: NamedRequest) => Promise<LogicalResponse> {
  return async ({ storage, fields }) => {
    const entry = await store.read(storage, fields.name);
    if (entry === undefined) throw notFound('not found', { errors: [] });
    return { data: view(entry) };
  };
}
