/**
 * Passwords of Vault's default database password policy: 20 characters from
 * `[A-Za-z0-9-]`, with at least one lowercase letter, one uppercase letter, one digit and one
 * dash. Drawn with `crypto.randomInt` (uniform, no modulo bias); a draw that misses a rule is
 * thrown away and drawn again, so the result is uniform over the passwords that satisfy it.
 *
 * The alphabet is also what makes textual SQL templating safe: no quote, backslash or `;`.
 */
import { randomInt } from 'node:crypto';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const CHARSET = `${LOWER}${UPPER}${DIGITS}-`;

export const DEFAULT_PASSWORD_LENGTH = 20;

export function generatePassword(length = DEFAULT_PASSWORD_LENGTH): string {
  if (length < 4) throw new RangeError('a password needs at least 4 characters');
  for (;;) {
    let out = '';
    for (let i = 0; i < length; i++) out += CHARSET[randomInt(CHARSET.length)] ?? '';
    if (satisfiesDefaultPolicy(out)) return out;
  }
}

/** True when `password` meets the default policy's rules (length aside). */
export function satisfiesDefaultPolicy(password: string): boolean {
  return (
    /^[A-Za-z0-9-]+$/.test(password) &&
    /[a-z]/.test(password) &&
    /[A-Z]/.test(password) &&
    /[0-9]/.test(password) &&
    password.includes('-')
  );
}
