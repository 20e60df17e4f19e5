/**
 * JSON Merge Patch (RFC 7396): what `PATCH` with `application/merge-patch+json` means.
 *
 * A patch that is an object merges member by member (null removes a member, an object merges
 * recursively, anything else replaces); any other patch replaces the target whole. Inputs are
 * never mutated. Keys are defined as own data properties, so a `__proto__` member from JSON
 * stays a plain member and never reaches a prototype.
 */
import { isPlainObject } from '../../framework/fields.ts';
import { LogicalError } from '../../logical/errors.ts';
import type { LogicalRequest } from '../../logical/request.ts';

export const MERGE_PATCH_CONTENT_TYPE = 'application/merge-patch+json';

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, unknown> = {};
  if (isPlainObject(target)) {
    for (const [key, value] of Object.entries(target)) define(result, key, value);
  }
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- removing a patched member is the point
      delete result[key];
    } else {
      define(result, key, mergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value));
    }
  }
  return result;
}

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** Refuses a PATCH whose body is not a JSON merge patch (415), as Vault does. */
export function assertMergePatch(request: LogicalRequest): void {
  const mediaType = (request.contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType !== MERGE_PATCH_CONTENT_TYPE) {
    throw new LogicalError(
      'unsupported_media_type',
      415,
      `PATCH requires Content-Type "${MERGE_PATCH_CONTENT_TYPE}"`,
    );
  }
}
