/**
 * Test support for system paths: drives a list of compiled paths as the `sys/` backend, with a
 * request context built the way the core builds one.
 */
import type { Clock } from '@strongroom/protocol';
import type { Logger } from 'pino';
import { defineBackend } from '../../framework/backend.ts';
import type { CompiledPath } from '../../framework/path.ts';
import type { RequestContext } from '../../logical/backend.ts';
import type { Operation } from '../../logical/request.ts';
import type { LogicalResponse } from '../../logical/response.ts';
import { memoryStorage } from '../expiration/test-support.ts';

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
  return (operation, path, data = {}) => {
    const ctx: RequestContext = {
      signal: new AbortController().signal,
      clock: deps.clock,
      logger: deps.logger,
      storage: memoryStorage(),
      mount: {
        kind: 'secret',
        path: 'sys/',
        type: 'system',
        accessor: 'system',
        uuid: 'system',
        description: '',
        config: { defaultLeaseTtlMs: 0, maxLeaseTtlMs: 0 },
        options: {},
        local: false,
        sealWrap: false,
      },
      request: {
        id: 'r',
        operation,
        path,
        data,
        clientToken: '',
        remoteAddress: '127.0.0.1',
      },
      ttl: { defaultTtlMs: 3_600_000, maxTtlMs: 86_400_000 },
    };
    return backend.handleRequest(ctx);
  };
}
