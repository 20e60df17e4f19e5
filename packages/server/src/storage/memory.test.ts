import { MemoryStorage } from './memory.ts';
import { describeStorageContract } from './storage-contract.ts';

describeStorageContract('MemoryStorage', () =>
  Promise.resolve({
    open: () => Promise.resolve(new MemoryStorage()),
    cleanup: () => Promise.resolve(),
  }),
);
