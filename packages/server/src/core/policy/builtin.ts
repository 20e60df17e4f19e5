/**
 * The built-in policies.
 *
 * `root` is not a document: a token holding it may do anything, with sudo. It is never stored,
 * cannot be written and cannot be deleted; reading it gives an empty document, as Vault does.
 *
 * `default` is attached to tokens unless they opt out. It is written to storage once, when the
 * store is set up and no `default` exists yet; after that the stored copy is authoritative, so
 * an operator's edits are never overwritten. It can be modified but not deleted.
 */
import { ROOT_POLICY_NAME } from './acl.ts';
import type { Policy } from './parse.ts';

export { ROOT_POLICY_NAME };
export const DEFAULT_POLICY_NAME = 'default';

/** Names no one may write. */
export const IMMUTABLE_POLICIES: readonly string[] = [ROOT_POLICY_NAME];
/** Names no one may delete. */
export const UNDELETABLE_POLICIES: readonly string[] = [ROOT_POLICY_NAME, DEFAULT_POLICY_NAME];

/** The `root` policy as read back and as handed to the ACL compiler. */
export const ROOT_POLICY: Policy = Object.freeze({
  name: ROOT_POLICY_NAME,
  raw: '',
  paths: Object.freeze([]),
  templated: false,
});

/**
 * What every ordinary token may do to and for itself. Each stanza is the narrowest grant that
 * makes a self-service endpoint work; nothing here reaches another token's data.
 */
export const DEFAULT_POLICY_TEXT = `# Strongroom default policy: self-service for every token that carries it.
# Edit freely; Strongroom writes this only when no "default" policy exists yet.

# Inspect, extend and give up the calling token itself.
path "auth/token/lookup-self" {
  capabilities = ["read"]
}
path "auth/token/renew-self" {
  capabilities = ["update"]
}
path "auth/token/revoke-self" {
  capabilities = ["update"]
}

# Ask which capabilities the calling token has on some paths.
path "sys/capabilities-self" {
  capabilities = ["update"]
}

# Read the caller's own identity entity, by id or by name.
path "identity/entity/id/{{identity.entity.id}}" {
  capabilities = ["read"]
}
path "identity/entity/name/{{identity.entity.name}}" {
  capabilities = ["read"]
}

# The UI's view of the caller's own effective policy.
path "sys/internal/ui/resultant-acl" {
  capabilities = ["read"]
}

# Renew or look up a lease the caller already knows the id of (old and new paths).
path "sys/renew" {
  capabilities = ["update"]
}
path "sys/leases/renew" {
  capabilities = ["update"]
}
path "sys/leases/lookup" {
  capabilities = ["update"]
}

# The caller's private cubbyhole.
path "cubbyhole/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

# Response wrapping: wrap a value, inspect a wrapping token, unwrap one.
path "sys/wrapping/wrap" {
  capabilities = ["update"]
}
path "sys/wrapping/lookup" {
  capabilities = ["update"]
}
path "sys/wrapping/unwrap" {
  capabilities = ["update"]
}

# Hashing helper.
path "sys/tools/hash" {
  capabilities = ["update"]
}
path "sys/tools/hash/*" {
  capabilities = ["update"]
}

# Check on a control-group request the caller holds the accessor of.
path "sys/control-group/request" {
  capabilities = ["update"]
}

# Sign in through an OIDC provider's authorization endpoint.
path "identity/oidc/provider/+/authorize" {
  capabilities = ["read", "update"]
}
`;
