/**
 * Stage: route. Longest-prefix mount match; the engine sees the path relative to its mount and a
 * storage view chrooted to it.
 */
import type { Backend, MountInfo } from '../../logical/backend.ts';
import { LogicalError } from '../../logical/errors.ts';
import type { Route } from './types.ts';

export interface RouteTable {
  match(path: string): MountInfo | undefined;
  backendFor(mount: MountInfo): Backend | undefined;
}

export function route(table: RouteTable, path: string): Route {
  const mount = table.match(path);
  const backend = mount === undefined ? undefined : table.backendFor(mount);
  if (mount === undefined || backend === undefined) {
    throw new LogicalError('unsupported_path', 404, `no handler for route "${path}"`);
  }
  const relativePath = path.length < mount.path.length ? '' : path.slice(mount.path.length);
  return { mount, backend, relativePath };
}

/** Whether `relativePath` matches one of a backend's special-path patterns (`login`, `role/*`). */
export function matchesSpecial(
  patterns: readonly string[] | undefined,
  relativePath: string,
): boolean {
  if (patterns === undefined) return false;
  return patterns.some((pattern) =>
    pattern.endsWith('*')
      ? relativePath.startsWith(pattern.slice(0, -1))
      : relativePath === pattern,
  );
}
