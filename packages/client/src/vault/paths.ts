/**
 * Path building for the Vault HTTP API. Pure functions.
 *
 * API paths are written relative to `/v1/` (`secret/data/app`, `sys/mounts`). Leading and
 * repeated slashes are dropped; each segment is percent-encoded, so a key named `a b` or `50%`
 * reaches the server intact and no segment can smuggle in a query string.
 */

/** Trims leading slashes and collapses repeated ones; keeps a trailing slash (it means "folder"). */
export function normalizeApiPath(path: string): string {
  return path.replace(/\/{2,}/g, '/').replace(/^\/+/, '');
}

/** The URL of an API path on a server at `address` (`http://host:port`, any trailing slash). */
export function buildUrl(
  address: string,
  path: string,
  query?: Readonly<Record<string, QueryValue>>,
): URL {
  const base = address.replace(/\/+$/, '');
  const encoded = normalizeApiPath(path)
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
  const url = new URL(`${base}/v1/${encoded}`);
  if (query !== undefined) {
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      if (typeof value === 'object') {
        for (const item of value) url.searchParams.append(key, item);
      } else {
        url.searchParams.set(key, String(value));
      }
    }
  }
  return url;
}

export type QueryValue = string | number | boolean | readonly string[] | undefined;

/** Joins path parts with single slashes, ignoring empty parts. */
export function joinPath(...parts: readonly string[]): string {
  return parts
    .map((part) => part.replace(/^\/+|\/+$/g, ''))
    .filter((part) => part !== '')
    .join('/');
}

/** `secret` / `secret/` -> `secret/`: mount paths are compared with their trailing slash. */
export function mountPathOf(path: string): string {
  const trimmed = normalizeApiPath(path).replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

/**
 * Where a KV v2 operation goes: `secret/app` on mount `secret/` with prefix `data` becomes
 * `secret/data/app`. A path naming the mount itself (`secret`) becomes `secret/data`; a path
 * outside the mount is returned under the mount unchanged (`mount` + prefix + path), which is how
 * `-mount=secret app` is addressed.
 */
export function kvV2Path(mountPath: string, prefix: KvV2Prefix, path: string): string {
  const mount = mountPathOf(mountPath);
  const normal = normalizeApiPath(path);
  const trailing = normal.endsWith('/') && normal !== mount ? '/' : '';
  let rest: string;
  if (`${normal.replace(/\/+$/, '')}/` === mount) rest = '';
  else if (normal.startsWith(mount)) rest = normal.slice(mount.length);
  else rest = normal;
  const joined = joinPath(mount, prefix, rest);
  return trailing === '' || joined.endsWith('/') ? joined : `${joined}/`;
}

/** The sub-paths of a KV v2 mount. */
export type KvV2Prefix = 'data' | 'metadata' | 'delete' | 'undelete' | 'destroy' | 'subkeys';

/** The path below a mount (`secret/app/db` on `secret/` -> `app/db`). */
export function relativeToMount(mountPath: string, path: string): string {
  const mount = mountPathOf(mountPath);
  const normal = normalizeApiPath(path);
  return normal.startsWith(mount) ? normal.slice(mount.length) : normal;
}
