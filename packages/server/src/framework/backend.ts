/**
 * `defineBackend`: turns a list of declared paths and secret types into a `Backend`.
 */
import type {
  Backend,
  BackendSetupContext,
  ExistenceResult,
  RequestContext,
  SpecialPaths,
} from '../logical/backend.ts';
import { LogicalError, unsupportedOperation, unsupportedPath } from '../logical/errors.ts';
import type { LogicalResponse } from '../logical/response.ts';
import type { CompiledPath } from './path.ts';
import type { SecretType } from './secret.ts';
import { settle } from './settle.ts';

export interface BackendDefinition {
  readonly type: string;
  readonly paths: readonly CompiledPath[];
  readonly secrets?: readonly SecretType[];
  readonly specialPaths?: SpecialPaths;
  readonly help?: string;
  readonly initialize?: (setup: BackendSetupContext) => Promise<void>;
  readonly cleanup?: () => Promise<void>;
}

const PATH_OPERATIONS: ReadonlySet<string> = new Set([
  'read',
  'create',
  'update',
  'patch',
  'delete',
  'list',
]);

export function defineBackend(definition: BackendDefinition): Backend {
  const secrets = new Map((definition.secrets ?? []).map((s) => [s.type, s]));

  const findPath = (
    path: string,
  ): { path: CompiledPath; captures: Record<string, string> } | undefined => {
    for (const candidate of definition.paths) {
      const captures = candidate.match(path);
      if (captures !== undefined) return { path: candidate, captures };
    }
    return undefined;
  };

  /** A request to its path's handler: the handler's promise, or a throw. */
  const dispatch = (ctx: RequestContext): Promise<LogicalResponse | undefined> => {
    const { operation, path } = ctx.request;
    if (operation === 'renew' || operation === 'revoke') {
      return handleSecret(ctx);
    }
    const found = findPath(path);
    if (found === undefined) throw unsupportedPath(path);
    if (operation === 'help') {
      return Promise.resolve({
        data: { help: found.path.help, operations: found.path.operations() },
      });
    }
    if (!PATH_OPERATIONS.has(operation)) throw unsupportedOperation(operation, path);
    const result = found.path.handle(operation, ctx, found.captures);
    if (result === undefined) throw unsupportedOperation(operation, path);
    return result;
  };

  const backend: Backend = {
    type: definition.type,
    specialPaths: definition.specialPaths ?? {},

    handleRequest(ctx: RequestContext): Promise<LogicalResponse | undefined> {
      // Not an async function: it hands on the handler's own promise, where an async function
      // returning a promise would wait for it over extra turns of the microtask queue.
      return settle(() => dispatch(ctx));
    },

    async existenceCheck(ctx: RequestContext): Promise<ExistenceResult> {
      const found = findPath(ctx.request.path);
      if (found === undefined) return { checked: false, exists: false };
      const result = found.path.exists(ctx, found.captures);
      if (result === undefined) return { checked: false, exists: false };
      return { checked: true, exists: await result };
    },
  };
  if (definition.initialize !== undefined) {
    const init = definition.initialize;
    Object.assign(backend, { initialize: init });
  }
  if (definition.cleanup !== undefined) {
    const cleanup = definition.cleanup;
    Object.assign(backend, { cleanup });
  }
  return backend;

  async function handleSecret(ctx: RequestContext): Promise<LogicalResponse | undefined> {
    const secret = ctx.request.secret;
    if (secret === undefined) {
      throw new LogicalError('bad_request', 400, `${ctx.request.operation} requires a lease`);
    }
    const type = secrets.get(secret.type);
    if (type === undefined) {
      throw new LogicalError(
        'bad_request',
        400,
        `secret type "${secret.type}" is not handled by the ${definition.type} engine`,
      );
    }
    const secretCtx = { ...ctx, secret };
    if (ctx.request.operation === 'revoke') {
      await type.revoke(secretCtx);
      return undefined;
    }
    if (type.renew === undefined) {
      throw new LogicalError('bad_request', 400, 'lease is not renewable');
    }
    const { ttlMs } = await type.renew(secretCtx);
    return {
      secret: { type: secret.type, internal: secret.internal, ttlMs, maxTtlMs: 0, renewable: true },
    };
  }
}
