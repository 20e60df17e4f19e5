/**
 * Test support for system paths: drives a list of compiled paths as the `sys/` backend, with a
 * request context built the way the core builds one.
 */
import type { Clock } from '@strongroom/protocol';
import type { Logger } from 'pino';
import { defineBackend } from '../../framework/backend.ts';
import type { CompiledPath } from '../../framework/path.ts';
import type { Operation } from '../../logical/request.ts';
import type { LogicalResponse } from '../../logical/response.ts';
import { memoryStorage, requestContext } from '../../test-support.ts';
import { systemMount } from '../core.ts';

export type SystemRequest = (
  operation: Operation,
  path: string,
  data?: Record<string, unknown>,
) => Promise<LogicalResponse | undefined>;

export function systemRequester(
  paths: readonly CompiledPath[],
  deps: { readonly clock: Clock; readonly logger: Logger },
): SystemRequest {
  const backend = defineBackend({ type: 'system', paths });
  return (operation, path, data = {}) =>
    backend.handleRequest(
      requestContext(
        {
          clock: deps.clock,
          logger: deps.logger,
          storage: memoryStorage(),
          mount: systemMount(),
        },
        { operation, path, data },
      ),
    );
}
