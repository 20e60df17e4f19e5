/** The executable entry: runs `main` with the process's arguments and streams. */
import { processIo } from './io.ts';
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2), processIo());
