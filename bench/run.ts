/**
 * `npm run bench [-- name ...]`: runs the benchmarks (all, or those named) and prints each
 * figure as a ratio against a baseline measured in the same run.
 */
import { runAuth } from './auth.ts';
import { runClientCache } from './client-cache.ts';
import { runDatabase } from './database.ts';
import { runLeases } from './leases.ts';
import { report } from './lib.ts';
import { runServerCore } from './server-core.ts';
import { runServerKv } from './server-kv.ts';
import { runServerListener } from './server-listener.ts';

const benches: Record<string, () => Promise<unknown>> = {
  auth: runAuth,
  client: runClientCache,
  database: runDatabase,
  leases: runLeases,
  'server-core': runServerCore,
  'server-kv': runServerKv,
  'server-listener': runServerListener,
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in benches));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(benches).join(', ')}\n`,
  );
  process.exit(2);
}
report(`node ${process.version}, ${new Date().toISOString()}`);
// Strongroom's timers never hold the process open (they are unref'd); the benchmark must.
const keepAlive = setInterval(() => undefined, 60_000);
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  await run();
}
clearInterval(keepAlive);
