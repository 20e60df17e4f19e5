/**
 * `login` (unauthenticated): a role ID and, when the role binds one, a secret ID, for a token.
 *
 * Order of checks, and why:
 * 1. Lockout, by role ID, before anything else: a locked role ID is refused with 403
 *    "permission denied" whether or not the secret ID is right, and spends no use.
 * 2. Role ID -> role. Unknown role IDs and wrong secret IDs share one message ("invalid role
 *    or secret ID", 400), so the answer does not tell which of the two was wrong.
 * 3. The role's CIDR bounds (secret_id_bound_cidrs, token_bound_cidrs) against the caller.
 * 4. The secret ID, atomically (store.consumeSecretId): expired, outside its own CIDR list,
 *    or out of uses are each refused with their own message.
 * Wrong, expired and spent secret IDs (and unknown role IDs) count towards the lockout.
 */
import { definePath } from '../../framework/path.ts';
import type { CompiledPath } from '../../framework/path.ts';
import { LogicalError, badRequest, permissionDenied } from '../../logical/errors.ts';
import { addressAllowed } from '../cidr.ts';
import { authResult, loginDisplayName } from '../token-fields.ts';
import type { LoginLockout } from './lockout.ts';
import type { AppRoleDeps } from './path-role.ts';
import type { SecretIdRefusal } from './store.ts';

export interface LoginDeps extends AppRoleDeps {
  readonly lockout: LoginLockout;
}

const INVALID_CREDENTIALS = 'invalid role or secret ID';

const REFUSALS: Record<SecretIdRefusal, string> = {
  invalid: INVALID_CREDENTIALS,
  expired: 'secret ID has expired',
  exhausted: 'secret ID has no uses left',
  cidr: 'source address is not allowed by the CIDR restrictions on the secret ID',
};

export function loginPaths(deps: LoginDeps): CompiledPath[] {
  const { store, lockout } = deps;
  return [
    definePath({
      pattern: 'login',
      fields: {
        role_id: { type: 'string', description: 'The role ID of the AppRole.', required: true },
        secret_id: {
          type: 'string',
          description: 'A secret ID of the AppRole (required when the role binds one).',
          default: '',
          sensitive: true,
        },
      },
      operations: {
        update: async ({ storage, fields, clock, mount, request }) => {
          const roleId = fields.role_id;
          if (roleId === '') throw badRequest('missing role_id');
          const now = clock.now();
          const lockKey = await store.hmac(storage, `role_id:${roleId}`);
          if (lockout.isLocked(lockKey, now)) throw permissionDenied();

          const role = await store.roleByRoleId(storage, roleId);
          if (role === undefined) {
            lockout.recordFailure(lockKey, now);
            throw new LogicalError('bad_request', 400, INVALID_CREDENTIALS);
          }
          const remote = request.remoteAddress;
          if (!addressAllowed(remote, role.secretIdBoundCidrs)) {
            throw new LogicalError(
              'permission_denied',
              403,
              'source address is not allowed by the CIDR restrictions on the role',
            );
          }
          if (!addressAllowed(remote, role.token.boundCidrs)) {
            throw new LogicalError(
              'permission_denied',
              403,
              "source address is not allowed by the role's token_bound_cidrs",
            );
          }

          let metadata: Record<string, string> = {};
          let boundCidrs: readonly string[] = [];
          if (role.bindSecretId) {
            if (fields.secret_id === '') throw badRequest('missing secret_id');
            const result = await store.consumeSecretId(storage, {
              roleName: role.name,
              secretId: fields.secret_id,
              now,
              remoteAddress: remote,
            });
            if (!result.ok) {
              if (result.reason !== 'cidr') lockout.recordFailure(lockKey, now);
              throw new LogicalError('bad_request', 400, REFUSALS[result.reason]);
            }
            metadata = { ...result.entry.metadata };
            boundCidrs = result.entry.tokenBoundCidrs;
          }
          lockout.recordSuccess(lockKey);
          return {
            auth: authResult(role.token, {
              metadata: { ...metadata, role_name: role.name },
              displayName: loginDisplayName(mount, ''),
              internal: { role_name: role.name },
              boundCidrs,
            }),
          };
        },
      },
      help: 'Issues a token for a role ID and secret ID.',
    }),
  ];
}
