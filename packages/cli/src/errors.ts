/**
 * CLI failures and their exit codes, as Vault's CLI uses them: 1 for an error from the server or
 * the environment, 2 for a usage error (bad flags or arguments, or "no value found").
 */

/** Wrong flags or arguments. Printed as one line; exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A command failed for a reason already explained in `message`. Exit code `exitCode`. */
export class CommandError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CommandError';
    this.exitCode = exitCode;
  }
}
