/**
 * `sys/policies/password/<name>` (write, read, delete), `LIST sys/policies/password` and
 * `GET sys/policies/password/<name>/generate`, as Vault. Policy syntax and generation live in
 * `core/password-policy/`; a write validates the document before anything is stored.
 */
import { listResponse } from '../../framework/list.ts';
import { definePath } from '../../framework/path.ts';
import type { CompiledPath } from '../../framework/path.ts';
import { notFound } from '../../logical/errors.ts';
import type { PasswordPolicyStore } from '../password-policy/index.ts';

export interface PasswordPolicyDeps {
  passwordPolicies(): Pick<PasswordPolicyStore, 'get' | 'set' | 'delete' | 'list' | 'generate'>;
}

const NAME_FIELD = {
  type: 'string',
  description: 'The name of the password policy.',
  required: true,
} as const;

export function passwordPolicyPaths(deps: PasswordPolicyDeps): CompiledPath[] {
  return [
    definePath({
      pattern: 'policies/password/?',
      fields: {},
      operations: {
        list: async () => {
          const keys = await deps.passwordPolicies().list();
          return listResponse(keys, 'no password policies');
        },
      },
      help: 'Lists the password policies.',
    }),
    definePath({
      pattern: 'policies/password/(?<name>[^/]+)/generate',
      fields: { name: NAME_FIELD },
      operations: {
        read: async ({ fields }) => {
          const password = await deps.passwordPolicies().generate(fields.name);
          return { data: { password } };
        },
      },
      help: 'Generates a password from the named password policy.',
    }),
    definePath({
      pattern: 'policies/password/(?<name>[^/]+)',
      fields: {
        name: NAME_FIELD,
        policy: {
          type: 'string',
          description:
            'The policy document, HCL or JSON (optionally base64-encoded): a length and one or more rule "charset" blocks.',
          required: true,
        },
      },
      operations: {
        read: async ({ fields }) => {
          const policy = await deps.passwordPolicies().get(fields.name);
          if (policy === undefined) {
            throw notFound(`no password policy named "${fields.name}"`, { errors: [] });
          }
          return { data: { policy: policy.raw } };
        },
        update: async ({ fields }) => {
          await deps.passwordPolicies().set(fields.name, fields.policy);
          return undefined;
        },
        delete: async ({ fields }) => {
          await deps.passwordPolicies().delete(fields.name);
          return undefined;
        },
      },
      help: 'Creates, reads or deletes a password policy.',
    }),
  ];
}
