/**
 * EnvProvider: secrets from environment variables.
 *
 * The environment is read at each fetch (the manager caches), so an injected env object that a
 * test mutates is seen on the next fetch. The environment cannot be watched, so there is no
 * `watch`. Version is omitted: the manager derives one from the value.
 */
import { SecretNotFoundError, SecretsError } from '../errors.ts';
import type { FetchOptions, FetchedSecret, SecretData, SecretProvider } from '../provider.ts';

/** How variable values are interpreted. */
export type EnvJsonMode =
  /** Every value is returned as a string (the default). */
  | 'never'
  /** A value that parses as a JSON object is returned as that object; anything else is a string. */
  | 'auto'
  /** Every value must be a JSON object; anything else fails with `SecretsError('invalid_json')`. */
  | 'always';

export interface EnvProviderOptions {
  /** The variables to read. Defaults to `process.env`, read live at each fetch. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Prepended to derived variable names: prefix `APP_` maps `db/password` to `APP_DB_PASSWORD`. */
  readonly prefix?: string;
  /** Explicit path -> variable name entries; they win over derivation and ignore `prefix`. */
  readonly mapping?: Readonly<Record<string, string>>;
  /** Replaces the default derivation (`envVarName`); `prefix` is still prepended. */
  readonly toVariableName?: (path: string) => string;
  /** JSON interpretation of values; default `'never'`. */
  readonly json?: EnvJsonMode;
  /** Cache lifetime to report with every value; omitted by default. */
  readonly ttlMs?: number;
  /** Provider name in events and errors; default `"env"`. */
  readonly name?: string;
}

/**
 * The default path -> variable name derivation: upper-case, and every character outside
 * `[A-Z0-9_]` becomes `_`. `db/password` -> `DB_PASSWORD`, `api.stripe-key` -> `API_STRIPE_KEY`.
 */
export function envVarName(path: string): string {
  return path.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

export class EnvProvider implements SecretProvider {
  readonly name: string;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #prefix: string;
  readonly #mapping: ReadonlyMap<string, string>;
  readonly #toVariableName: (path: string) => string;
  readonly #json: EnvJsonMode;
  readonly #ttlMs: number | undefined;

  constructor(options: EnvProviderOptions = {}) {
    this.name = options.name ?? 'env';
    this.#env = options.env ?? process.env;
    this.#prefix = options.prefix ?? '';
    this.#mapping = new Map(Object.entries(options.mapping ?? {}));
    this.#toVariableName = options.toVariableName ?? envVarName;
    this.#json = options.json ?? 'never';
    this.#ttlMs = options.ttlMs;
  }

  /** The variable that `path` reads. */
  variableFor(path: string): string {
    return this.#mapping.get(path) ?? this.#prefix + this.#toVariableName(path);
  }

  /**
   * Resolves with the variable's value. An unset variable is `SecretNotFoundError`; a variable
   * set to the empty string is a value (explicitly empty is still explicit).
   */
  fetch(path: string, options: FetchOptions): Promise<FetchedSecret> {
    // Synchronous work, asynchronous contract: a throw in the executor becomes a rejection.
    return new Promise((resolve) => {
      resolve(this.#read(path, options.signal));
    });
  }

  #read(path: string, signal: AbortSignal): FetchedSecret {
    signal.throwIfAborted();
    const variable = this.variableFor(path);
    // Own properties only: `constructor` must not resolve through a plain object's prototype.
    const raw = Object.hasOwn(this.#env, variable) ? this.#env[variable] : undefined;
    if (raw === undefined) throw new SecretNotFoundError(path, this.name);
    const value = this.#interpret(path, raw);
    return this.#ttlMs === undefined ? { value } : { value, ttlMs: this.#ttlMs };
  }

  #interpret(path: string, raw: string): SecretData {
    if (this.#json === 'never') return raw;
    const parsed = parseJsonObject(raw);
    if (parsed !== undefined) return parsed;
    if (this.#json === 'auto') return raw;
    // Never include the value or JSON.parse's message (which quotes the input).
    throw new SecretsError(
      'invalid_json',
      `variable "${this.variableFor(path)}" for secret "${path}" in provider "${this.name}" is not a JSON object`,
      { path },
    );
  }
}

/** The value as a JSON object, or undefined when it is not one. */
function parseJsonObject(raw: string): Record<string, unknown> | undefined {
  if (!raw.trimStart().startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
