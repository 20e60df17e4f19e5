/**
 * Stage 2: authorize. Decides create vs update with the backend's existence check, then asks the
 * ACL. Root-protected paths also require `sudo`. Engines never check policy themselves.
 */
import type { RequestContext } from '../../logical/backend.ts';
import { permissionDenied } from '../../logical/errors.ts';
import type { Operation, RequestAuth } from '../../logical/request.ts';
import type { AccessControl, Route } from './types.ts';

/** Resolves the effective operation: an `update` on something that does not exist is a `create`. */
export async function resolveOperation(route: Route, ctx: RequestContext): Promise<Operation> {
  if (ctx.request.operation !== 'update') return ctx.request.operation;
  const existence = await route.backend.existenceCheck(ctx);
  return existence.checked && !existence.exists ? 'create' : 'update';
}

export async function authorize(
  acl: AccessControl,
  auth: RequestAuth,
  operation: Operation,
  path: string,
  data: Readonly<Record<string, unknown>>,
  options: { readonly requiresSudo: boolean },
): Promise<void> {
  if (operation === 'help') return;
  const decision = await acl.check(auth, operation, path, data);
  if (!decision.allowed) throw permissionDenied();
  if (options.requiresSudo && !decision.sudo) throw permissionDenied();
}
