export type {
  Backend,
  BackendFactory,
  BackendSetupContext,
  ExistenceResult,
  MountConfig,
  MountInfo,
  MountKind,
  RequestContext,
  SpecialPaths,
  TtlBounds,
} from './backend.ts';
export {
  LogicalError,
  badRequest,
  internalError,
  invalidField,
  isLogicalError,
  missingField,
  notFound,
  permissionDenied,
  sealedError,
  unsupportedOperation,
  unsupportedPath,
} from './errors.ts';
export type { ErrorCode } from './errors.ts';
export type { LogicalRequest, Operation, RequestAuth, RequestSecret } from './request.ts';
export type {
  AuthResult,
  ChangeEvent,
  LogicalResponse,
  RawResponse,
  SecretResult,
} from './response.ts';
export { StorageView, deletePrefix, getJson, listRecursive, putJson } from './storage.ts';
export type { PhysicalStorage, Storage } from './storage.ts';
