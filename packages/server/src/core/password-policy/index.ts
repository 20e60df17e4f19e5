/**
 * Password policies (`sys/policies/password`): parsing, generation and the durable store. The
 * database engine generates credentials through a policy when its config names one.
 */
export {
  MAX_CHARSET_SIZE,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  generatePassword,
  parsePasswordPolicy,
} from './policy.ts';
export type { CharsetRule, PasswordPolicy, RandomIntSource } from './policy.ts';
export { PasswordPolicyStore } from './store.ts';
export type { PasswordPolicyStoreOptions } from './store.ts';
