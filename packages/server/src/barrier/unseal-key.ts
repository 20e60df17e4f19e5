import { LogicalError } from '../logical/errors.ts';

/** Bounds on an unseal key or share, as Vault's: 16..32 byte keys, plus 1 byte for a share. */
export const MIN_UNSEAL_KEY_BYTES = 16;
export const MAX_UNSEAL_KEY_BYTES = 33;

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes an unseal key or share given as hex or standard base64, as Vault's `sys/unseal`:
 * hex first, unless it does not decode to a plausible length (a base64 string can also be valid
 * hex), then base64. Errors are 400 `invalid_key` and never echo the input.
 */
export function decodeUnsealKey(text: string): Uint8Array {
  let bytes: Buffer | undefined;
  if (HEX.test(text)) {
    bytes = Buffer.from(text, 'hex');
    if (bytes.length < MIN_UNSEAL_KEY_BYTES || bytes.length > MAX_UNSEAL_KEY_BYTES) {
      bytes.fill(0);
      bytes = undefined;
    }
  }
  if (bytes === undefined) {
    if (text === '' || !BASE64.test(text)) {
      throw new LogicalError('invalid_key', 400, "'key' must be a valid hex or base64 string");
    }
    bytes = Buffer.from(text, 'base64');
  }
  if (bytes.length < MIN_UNSEAL_KEY_BYTES) {
    bytes.fill(0);
    throw new LogicalError(
      'invalid_key',
      400,
      `key is shorter than minimum ${MIN_UNSEAL_KEY_BYTES} bytes`,
    );
  }
  if (bytes.length > MAX_UNSEAL_KEY_BYTES) {
    bytes.fill(0);
    throw new LogicalError(
      'invalid_key',
      400,
      `key is longer than maximum ${MAX_UNSEAL_KEY_BYTES} bytes`,
    );
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
