export { defineBackend } from './backend.ts';
export type { BackendDefinition } from './backend.ts';
export { KeyedLock } from './keyed-lock.ts';
export { listResponse } from './list.ts';
export { coerceField, isPlainObject, parseFields } from './fields.ts';
export type { FieldData, FieldSchema, FieldTable, FieldType, ParsedFields } from './fields.ts';
export { definePath } from './path.ts';
export type {
  CompiledPath,
  PathContext,
  PathDefinition,
  PathHandler,
  PathOperation,
} from './path.ts';
export { defineSecret } from './secret.ts';
export type { SecretContext, SecretType, SecretTypeDefinition } from './secret.ts';
export { initialTtl, minPositive, renewedTtl } from './ttl.ts';
export type { RenewInput, TtlInput } from './ttl.ts';
