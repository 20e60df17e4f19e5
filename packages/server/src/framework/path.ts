/**
 * `definePath`: one endpoint of an engine, declared as data.
 *
 * A path is a pattern (a regular expression source, anchored at both ends, whose named groups
 * become fields), a field table, a handler per operation, an optional existence check and help
 * text. Routing, coercion and unknown-field warnings happen here, once, for every engine.
 */
import type { RequestContext } from '../logical/backend.ts';
import type { LogicalResponse } from '../logical/response.ts';
import { parseFields } from './fields.ts';
import type { FieldData, FieldTable } from './fields.ts';

/** The operations a path can implement (renew and revoke belong to secret types). */
export type PathOperation = 'read' | 'create' | 'update' | 'patch' | 'delete' | 'list';

export interface PathContext<F extends FieldTable> extends RequestContext {
  /** The input coerced to the field table's types (path captures included). */
  readonly fields: FieldData<F>;
  /** The fields the caller actually sent, for partial updates. */
  readonly provided: ReadonlySet<string>;
  /** The raw input, for paths that take arbitrary keys (KV v1 writes). */
  readonly raw: Readonly<Record<string, unknown>>;
}

export type PathHandler<F extends FieldTable> = (
  ctx: PathContext<F>,
) => Promise<LogicalResponse | undefined>;

export interface PathDefinition<F extends FieldTable> {
  /** Regular expression source relative to the mount, e.g. `roles/(?<name>[^/]+)`. */
  readonly pattern: string;
  readonly fields: F;
  readonly operations: Partial<Record<PathOperation, PathHandler<F>>>;
  /** Decides create (false) vs update (true) for writes; omit to always update. */
  readonly existenceCheck?: (ctx: PathContext<F>) => Promise<boolean>;
  /** True when any key is valid input (no unknown-field warning). */
  readonly arbitraryInput?: boolean;
  readonly help: string;
}

/** A compiled path, with its field types erased so engines can hold a list of them. */
export interface CompiledPath {
  readonly pattern: string;
  readonly help: string;
  match(path: string): Record<string, string> | undefined;
  operations(): PathOperation[];
  handle(
    operation: PathOperation,
    ctx: RequestContext,
    captures: Record<string, string>,
  ): Promise<LogicalResponse | undefined> | undefined;
  exists(ctx: RequestContext, captures: Record<string, string>): Promise<boolean> | undefined;
}

/** Query and framing keys that are never reported as unknown fields. */
const FRAMING_KEYS = new Set(['list']);

const WRITE_OPERATIONS: ReadonlySet<PathOperation> = new Set(['create', 'update', 'patch']);

export function definePath<const F extends FieldTable>(
  definition: PathDefinition<F>,
): CompiledPath {
  const regex = new RegExp(`^(?:${definition.pattern})$`);

  const buildContext = (
    ctx: RequestContext,
    captures: Record<string, string>,
    operation: PathOperation | 'existence',
  ): PathContext<F> => {
    const input = { ...ctx.request.data, ...captures };
    const parsed = parseFields(definition.fields, input, {
      checkRequired: operation !== 'existence' && WRITE_OPERATIONS.has(operation),
    });
    return {
      ...ctx,
      fields: parsed.values as FieldData<F>,
      provided: parsed.provided,
      raw: ctx.request.data,
    };
  };

  return {
    pattern: definition.pattern,
    help: definition.help,
    match(path) {
      const result = regex.exec(path);
      if (result === null) return undefined;
      const captures: Record<string, string> = {};
      // An optional group that did not take part is undefined at run time, whatever the types say.
      const groups = result.groups as Record<string, string | undefined> | undefined;
      for (const key in groups) {
        const value = groups[key];
        if (value !== undefined) captures[key] = value;
      }
      return captures;
    },
    operations() {
      return Object.keys(definition.operations) as PathOperation[];
    },
    handle(operation, ctx, captures) {
      const handler =
        definition.operations[operation] ??
        (operation === 'create' ? definition.operations.update : undefined);
      if (handler === undefined) return undefined;
      const pathCtx = buildContext(ctx, captures, operation);
      const unknown =
        WRITE_OPERATIONS.has(operation) && definition.arbitraryInput !== true
          ? Object.keys(ctx.request.data).filter(
              (key) => !(key in definition.fields) && !FRAMING_KEYS.has(key),
            )
          : [];
      // Most requests name no unknown field (a read names none): their handler's own promise.
      if (unknown.length === 0) return handler(pathCtx);
      return handler(pathCtx).then((response) => withUnknownFieldWarning(response, unknown));
    },
    exists(ctx, captures) {
      if (definition.existenceCheck === undefined) return undefined;
      return definition.existenceCheck(buildContext(ctx, captures, 'existence'));
    },
  };
}

/** Vault tells the caller which parameters it ignored rather than failing the request. */
function withUnknownFieldWarning(
  response: LogicalResponse | undefined,
  unknown: readonly string[],
): LogicalResponse | undefined {
  if (unknown.length === 0) return response;
  const warning = `Endpoint ignored these unrecognized parameters: [${unknown.join(' ')}]`;
  if (response === undefined) return { warnings: [warning] };
  return { ...response, warnings: [...(response.warnings ?? []), warning] };
}
