#!/usr/bin/env node
// The installed `strongroom` binary: runs the built CLI from dist/. In a source checkout, build
// first (`npm run build`) or use `npm run strongroom -- <args>`, which runs the sources directly.
import process from 'node:process';

/**
 * @typedef {{ main: (argv: string[], io: unknown) => Promise<number>, processIo: () => unknown }} CliModule
 * @type {(specifier: string) => Promise<CliModule>}
 */
const load = (specifier) => import(specifier);

/** @type {CliModule} */
let cli;
try {
  cli = await load('../dist/main.js');
} catch (error) {
  const { code, message } = /** @type {{ code?: unknown, message?: unknown }} */ (error ?? {});
  // Only dist/main.js itself missing means "not built"; a missing dependency of it is reported as is.
  if (code === 'ERR_MODULE_NOT_FOUND' && /dist[\\/]main\.js' imported from/.test(String(message))) {
    process.stderr.write('strongroom: the CLI is not built; run `npm run build` first.\n');
    process.exit(1);
  }
  throw error;
}
process.exitCode = await cli.main(process.argv.slice(2), cli.processIo());
