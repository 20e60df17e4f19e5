/**
 * Policies (`sys/policies/acl/<name>` and the older `sys/policy/<name>`) and capabilities
 * (`sys/capabilities-self`, `sys/capabilities`, `sys/capabilities-accessor`).
 */
import { definePath } from '../../framework/path.ts';
import type { CompiledPath } from '../../framework/path.ts';
import { LogicalError, notFound } from '../../logical/errors.ts';
import type { RequestAuth } from '../../logical/request.ts';
import type { LogicalResponse } from '../../logical/response.ts';
import type { SystemDeps } from './deps.ts';

const nameField = {
  type: 'lowercase-string',
  description: 'The policy name.',
  required: true,
} as const;

export function policyPaths(deps: SystemDeps): CompiledPath[] {
  const read = async (name: string): Promise<string> => {
    const text = await deps.readPolicy(name);
    if (text === undefined) throw notFound(`no policy named "${name}"`, { errors: [] });
    return text;
  };
  const write = async (name: string, text: string | undefined): Promise<undefined> => {
    if (text === undefined || text.trim() === '') {
      throw new LogicalError('missing_field', 400, "'policy' parameter not supplied or empty");
    }
    await deps.writePolicy(name, text);
    return undefined;
  };
  const remove = async (name: string): Promise<undefined> => {
    await deps.deletePolicy(name);
    return undefined;
  };

  return [
    definePath({
      pattern: 'policy',
      fields: {},
      operations: {
        read: async () => {
          const names = await deps.listPolicies();
          const data = { policies: names, keys: names };
          return { data, topLevel: data };
        },
      },
      help: 'Lists the ACL policies (legacy path).',
    }),
    definePath({
      pattern: 'policy/(?<name>.+)',
      fields: {
        name: nameField,
        policy: { type: 'string', description: 'The policy document (HCL or JSON).' },
        rules: { type: 'string', description: 'Deprecated alias of policy.' },
      },
      operations: {
        read: async ({ fields }) => {
          const text = await read(fields.name);
          const data = { name: fields.name, rules: text };
          return { data, topLevel: data };
        },
        update: ({ fields }) => write(fields.name, fields.policy ?? fields.rules),
        delete: ({ fields }) => remove(fields.name),
      },
      help: 'Reads, writes or deletes an ACL policy (legacy path).',
    }),
    definePath({
      pattern: 'policies/acl/?',
      fields: {},
      operations: {
        list: async () => ({ data: { keys: await deps.listPolicies() } }),
        read: async () => ({ data: { keys: await deps.listPolicies() } }),
      },
      help: 'Lists the ACL policies.',
    }),
    definePath({
      pattern: 'policies/acl/(?<name>.+)',
      fields: {
        name: nameField,
        policy: { type: 'string', description: 'The policy document (HCL or JSON).' },
      },
      operations: {
        read: async ({ fields }) => ({
          data: { name: fields.name, policy: await read(fields.name) },
        }),
        update: ({ fields }) => write(fields.name, fields.policy),
        delete: ({ fields }) => remove(fields.name),
      },
      help: 'Reads, writes or deletes an ACL policy.',
    }),
    definePath({
      pattern: 'capabilities-self',
      fields: {
        path: { type: 'comma-string-slice', description: 'A path (deprecated: use paths).' },
        paths: { type: 'comma-string-slice', description: 'The paths to check.' },
      },
      operations: {
        update: async ({ fields, request }) => {
          if (request.auth === undefined)
            throw new LogicalError('permission_denied', 403, 'permission denied');
          return capabilitiesFor(deps, request.auth, [
            ...(fields.paths ?? []),
            ...(fields.path ?? []),
          ]);
        },
      },
      help: "The caller's capabilities on the given paths.",
    }),
    definePath({
      pattern: 'capabilities',
      fields: {
        token: { type: 'string', description: 'The token to check.', sensitive: true },
        path: { type: 'comma-string-slice', description: 'A path (deprecated: use paths).' },
        paths: { type: 'comma-string-slice', description: 'The paths to check.' },
      },
      operations: {
        update: async ({ fields }) => {
          const auth = await deps.authFor({ token: fields.token ?? '' });
          if (auth === undefined) throw new LogicalError('bad_request', 400, 'invalid token');
          return capabilitiesFor(deps, auth, [...(fields.paths ?? []), ...(fields.path ?? [])]);
        },
      },
      help: "A token's capabilities on the given paths.",
    }),
    definePath({
      pattern: 'capabilities-accessor',
      fields: {
        accessor: {
          type: 'string',
          description: 'The accessor of the token to check.',
          required: true,
        },
        path: { type: 'comma-string-slice', description: 'A path (deprecated: use paths).' },
        paths: { type: 'comma-string-slice', description: 'The paths to check.' },
      },
      operations: {
        update: async ({ fields }) => {
          const auth = await deps.authFor({ accessor: fields.accessor });
          if (auth === undefined) throw new LogicalError('bad_request', 400, 'invalid accessor');
          return capabilitiesFor(deps, auth, [...(fields.paths ?? []), ...(fields.path ?? [])]);
        },
      },
      help: 'The capabilities, on the given paths, of the token with an accessor.',
    }),
  ];
}

async function capabilitiesFor(
  deps: SystemDeps,
  auth: RequestAuth,
  paths: string[],
): Promise<LogicalResponse> {
  if (paths.length === 0) throw new LogicalError('missing_field', 400, '"paths" must be provided');
  const data: Record<string, unknown> = {};
  for (const path of paths) data[path] = await deps.capabilities(auth, path.replace(/^\/+/, ''));
  // Older clients read `capabilities` for a single path.
  if (paths.length === 1) data.capabilities = data[paths[0] ?? ''];
  return { data, topLevel: data };
}
