/**
 * The role paths a login method declares: `role/` (list) and `role/<name>` (read, create,
 * update, delete). Role names are case-insensitive, stored lower-cased under `role/`, as Vault's
 * JWT and Kubernetes methods keep them. The method supplies its fields, how a role is shown, and
 * how a write merges into the stored role; reading, storing, listing and deleting happen here.
 */
import type { FieldTable } from '../framework/fields.ts';
import { listResponse } from '../framework/list.ts';
import { definePath } from '../framework/path.ts';
import type { CompiledPath, PathContext } from '../framework/path.ts';
import { getJson, putJson } from '../logical/storage.ts';
import type { Storage } from '../logical/storage.ts';

/** Where role `name` is stored (names are case-insensitive). */
export function roleKey(name: string): string {
  return `role/${name.toLowerCase()}`;
}

/** The stored role `name` (any case), or undefined when there is none. */
export function readStoredRole<R>(storage: Storage, name: string): Promise<R | undefined> {
  return getJson<R>(storage, roleKey(name));
}

export function rolePaths<const F extends FieldTable & { readonly name: unknown }, R>(spec: {
  readonly fields: F;
  /** e.g. "JWT/OIDC role", for the help text. */
  readonly noun: string;
  /** The role as `role/<name>` reads show it. */
  readonly view: (role: R) => Record<string, unknown>;
  /**
   * The validated role to store under `name` (lower-cased) from the request and the stored
   * role, if any (a partial update keeps what is not sent).
   */
  readonly build: (ctx: PathContext<F>, name: string, previous: R | undefined) => R;
}): CompiledPath[] {
  const nameOf = (ctx: PathContext<F>): string => String(ctx.fields.name);
  const read = (ctx: PathContext<F>): Promise<R | undefined> =>
    readStoredRole<R>(ctx.storage, nameOf(ctx));
  return [
    definePath({
      pattern: 'role/?',
      fields: {},
      operations: {
        list: async ({ storage }) => {
          const keys = (await storage.list('role/')).filter((k) => !k.endsWith('/'));
          return listResponse(keys);
        },
      },
      help: 'Lists the roles.',
    }),
    definePath({
      pattern: 'role/(?<name>[\\w.@-]+)',
      fields: spec.fields,
      existenceCheck: async (ctx) => (await read(ctx)) !== undefined,
      operations: {
        read: async (ctx) => {
          const role = await read(ctx);
          return role === undefined ? undefined : { data: spec.view(role) };
        },
        update: async (ctx) => {
          const name = nameOf(ctx).toLowerCase();
          const role = spec.build(ctx, name, await read(ctx));
          await putJson(ctx.storage, roleKey(name), role);
          return undefined;
        },
        delete: async (ctx) => {
          await ctx.storage.delete(roleKey(nameOf(ctx)));
          return undefined;
        },
      },
      help: `Creates, reads, updates or deletes a ${spec.noun}.`,
    }),
  ];
}
