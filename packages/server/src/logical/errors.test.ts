import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LogicalError } from './errors.ts';
import type { ErrorCode } from './errors.ts';

// Every code in the union, with the status it is raised with. The compiler checks the keys
// against `ErrorCode`; the test checks docs/errors.md against this table.
const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  invalid_json: 400,
  invalid_field: 400,
  missing_field: 400,
  invalid_duration: 400,
  invalid_policy: 400,
  already_initialized: 400,
  not_initialized: 400,
  invalid_key: 400,
  check_and_set: 400,
  lease_not_found: 400,
  mount_conflict: 400,
  mount_not_found: 400,
  permission_denied: 403,
  missing_token: 403,
  invalid_token: 403,
  not_found: 404,
  unsupported_path: 404,
  unsupported_operation: 405,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  audit_failed: 500,
  sealed: 503,
  upstream_unavailable: 503,
};

describe('docs/errors.md', () => {
  const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');

  it.each(Object.entries(STATUS))('lists %s with status %d', (code, status) => {
    expect(doc).toMatch(new RegExp(`\\| \`${code}\` \\| ${status} \\|`));
  });

  it('lists no code the server does not have', () => {
    const documented = [...doc.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(STATUS).sort());
  });
});

describe('the server raises each code with its documented status', () => {
  const root = new URL('../', import.meta.url);
  const sources = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => readFileSync(new URL(file, root), 'utf8'));
  const raised = sources.flatMap((text) =>
    [...text.matchAll(/new LogicalError\(\s*'([a-z_]+)',\s*(\d{3})/g)].map((m) => [
      m[1],
      Number(m[2]),
    ]),
  );

  it('finds the raise sites', () => {
    expect(raised.length).toBeGreaterThan(50);
  });

  it.each(raised)('%s is raised with status %d, as docs/errors.md says', (code, status) => {
    expect(STATUS[code as ErrorCode]).toBe(status);
  });
});

describe('LogicalError', () => {
  it('carries code, status and the errors list', () => {
    const error = new LogicalError('not_found', 404, 'nothing here', { errors: [] });
    expect(error.code).toBe('not_found');
    expect(error.status).toBe(404);
    expect(error.errors).toEqual([]);
    expect(new LogicalError('bad_request', 400, 'x').errors).toEqual(['x']);
  });
});
