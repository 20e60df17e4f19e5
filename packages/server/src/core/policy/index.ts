/**
 * ACL policies: parsing (HCL and JSON), the compiled ACL with Vault's matching and priority
 * rules, the built-in `root` and `default` policies, and the durable policy store.
 */
export { ACL, compileAcl } from './acl.ts';
export type { AclOptions, AclResult, CheckOptions } from './acl.ts';
export {
  DEFAULT_POLICY_NAME,
  DEFAULT_POLICY_TEXT,
  IMMUTABLE_POLICIES,
  ROOT_POLICY,
  ROOT_POLICY_NAME,
  UNDELETABLE_POLICIES,
} from './builtin.ts';
export { CAPABILITIES, normalizePolicyName, parsePolicy } from './parse.ts';
export type { Capability, ParameterValue, PathRule, Policy } from './parse.ts';
export { PolicyStore } from './policy-store.ts';
export type { PolicyStoreOptions } from './policy-store.ts';
export type { PolicyIdentity } from './template.ts';
