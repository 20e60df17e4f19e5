export { BarrierDecryptError, CIPHERTEXT_VERSION } from './aead.ts';
export { Barrier, KEYRING_PATH, ROOT_KEY_PATH, SEAL_CONFIG_PATH } from './barrier.ts';
export type { BarrierOptions, KeyStatus } from './barrier.ts';
export { SealManager, validateSealConfig } from './seal.ts';
export type {
  InitializeOptions,
  InitializeRequest,
  InitializeResult,
  SealConfig,
  SealListener,
  SealManagerOptions,
  SealStatus,
} from './seal.ts';
export { decodeUnsealKey } from './unseal-key.ts';
