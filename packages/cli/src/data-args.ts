/**
 * The data arguments of `write` and `kv put`, as Vault's CLI reads them:
 * `key=value`; `key=@file` (the file's contents); `key=-` (all of stdin); or a lone `-` (a JSON
 * object on stdin). Errors name the argument's position or key, never a value.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from './errors.ts';
import { cwdOf, readStdin } from './io.ts';
import type { CliIo } from './io.ts';

export async function parseDataArgs(
  io: CliIo,
  args: readonly string[],
): Promise<Record<string, unknown>> {
  if (args.length === 1 && args[0] === '-') {
    const text = await readStdin(io);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // The parser's message would quote the input, which is secret.
      throw new UsageError('stdin: expected a JSON object');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new UsageError('stdin: expected a JSON object');
    }
    return parsed as Record<string, unknown>;
  }
  const data: Record<string, unknown> = {};
  let stdinUsed = false;
  for (const [index, arg] of args.entries()) {
    const eq = arg.indexOf('=');
    if (eq <= 0) {
      throw new UsageError(`invalid key/value pair in argument ${index + 1}: expected key=value`);
    }
    const key = arg.slice(0, eq);
    const raw = arg.slice(eq + 1);
    if (raw === '-') {
      if (stdinUsed) throw new UsageError('stdin can be read only once');
      stdinUsed = true;
      data[key] = await readStdin(io);
    } else if (raw.startsWith('@')) {
      const file = resolve(cwdOf(io), raw.slice(1));
      try {
        data[key] = await readFile(file, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'error';
        throw new UsageError(`cannot read file for "${key}": ${file} (${code})`);
      }
    } else {
      data[key] = raw;
    }
  }
  return data;
}
