#!/usr/bin/env node
// The installed `strongroom` binary: runs the built CLI from dist/. In a source checkout, build
// first (`npm run build`) or use `npm run strongroom -- <args>`, which runs the sources directly.
import process from 'node:process';

/** @type {{ main: (argv: string[], io: unknown) => Promise<number>, processIo: () => unknown }} */
let cli;
try {
  // A plain JS file is not type-checked, so the module's shape is stated above instead.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment
  cli = await import('../dist/main.js');
} catch (error) {
  const { code, message } = /** @type {{ code?: unknown, message?: unknown }} */ (error ?? {});
  if (code === 'ERR_MODULE_NOT_FOUND' && String(message).includes('main.js')) {
    process.stderr.write('strongroom: the CLI is not built; run `npm run build` first.\n');
    process.exit(1);
  }
  throw error;
}
process.exitCode = await cli.main(process.argv.slice(2), cli.processIo());
