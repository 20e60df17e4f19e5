/**
 * The role paths a login method declares: `role/` (list) and `role/<name>` (read, create,
 * update, delete). Role names are case-insensitive, stored lower-cased under `role/`, as Vault's
 * JWT and Kubernetes methods keep them. The method supplies its fields, how a role is shown, and
 * how a write merges into the stored role.
 */
import type { FieldTable } from '../framework/fields.ts';
import { listResponse } from '../framework/list.ts';
import { definePath } from '../framework/path.ts';
import type { CompiledPath, PathContext } from '../framework/path.ts';
import type { Storage } from '../logical/storage.ts';

/** Where role `name` is stored (names are case-insensitive). */
export function roleKey(name: string): string {
  return `role/${name.toLowerCase()}`;
}

export function rolePaths<const F extends FieldTable & { readonly name: unknown }, R>(spec: {
  readonly fields: F;
  /** e.g. "JWT/OIDC role", for the help text. */
  readonly noun: string;
  /** The stored role (the method's typed reader over `roleKey`). */
  readonly read: (storage: Storage, name: string) => Promise<R | undefined>;
  /** The role as `role/<name>` reads show it. */
  readonly view: (role: R) => Record<string, unknown>;
  /** Creates or updates the role from the request (a partial update keeps what is not sent). */
  readonly write: (ctx: PathContext<F>) => Promise<undefined>;
}): CompiledPath[] {
  const nameOf = (ctx: PathContext<F>): string => String(ctx.fields.name);
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
      existenceCheck: async (ctx) => (await spec.read(ctx.storage, nameOf(ctx))) !== undefined,
      operations: {
        read: async (ctx) => {
          const role = await spec.read(ctx.storage, nameOf(ctx));
          return role === undefined ? undefined : { data: spec.view(role) };
        },
        update: spec.write,
        delete: async (ctx) => {
          await ctx.storage.delete(roleKey(nameOf(ctx)));
          return undefined;
        },
      },
      help: `Creates, reads, updates or deletes a ${spec.noun}.`,
    }),
  ];
}
