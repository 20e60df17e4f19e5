import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SqliteStorage } from './sqlite.ts';
import { describeStorageContract } from './storage-contract.ts';

describeStorageContract(
  'SqliteStorage',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strongroom-sqlite-'));
    const file = join(dir, 'store.db');
    return {
      open: () => Promise.resolve(new SqliteStorage(file)),
      persistent: { kind: 'sqlite', path: file },
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
  { persistent: true },
);
