/**
 * Child process for the kill -9 durability test (see storage-contract.ts), not part of the
 * server: `node crash-writer.ts <kind> <path>` writes `durability/<i>` = `crashValue(i)` for
 * i = 0, 1, 2, ... and, only after each `put` has resolved, prints `i` on stdout. Every value it
 * acknowledged must be readable after the process is killed at any instant.
 */
import { writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { isPhysicalStorageKind, openPhysicalStorage } from './open.ts';

/** A deterministic value of varying length (1 to 4 KiB) for index `i`. */
export function crashValue(i: number): Uint8Array {
  const value = new Uint8Array(1 + ((i * 7919) % 4096));
  for (let j = 0; j < value.length; j++) value[j] = (i + j * 31) & 0xff;
  return value;
}

/** Hard stop so a writer whose parent died cannot run forever. */
const MAX_WRITES = 100_000;

async function main(kind: string, path: string): Promise<void> {
  if (!isPhysicalStorageKind(kind)) throw new Error(`unknown storage kind "${kind}"`);
  const storage = await openPhysicalStorage(kind, { path });
  for (let i = 0; i < MAX_WRITES; i++) {
    await storage.put(`durability/${i}`, crashValue(i));
    // Synchronous write: the acknowledgement leaves the process before the next put starts.
    writeSync(1, `${i}\n`);
  }
  await storage.close();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [kind = '', path = ''] = process.argv.slice(2);
  main(kind, path).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : 'crash writer failed'}\n`);
    process.exitCode = 1;
  });
}
