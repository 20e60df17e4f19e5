/**
 * Server core benchmark (issue: server core).
 *   `auth/token/lookup-self` with a non-root token over HTTP keep-alive, against a bare
 *   `node:http` server answering the same JSON body, both driven by autocannon in a child
 *   process (so the load generator never shares the servers' event loop), same connections and
 *   duration, alternating baseline and subject, best round of each.            target >= 0.5x
 *
 * The subject is the whole request path: HTTP parsing, token lookup (salted hash, storage,
 * lease check), ACL, the token backend, the envelope and the request log line (written to a
 * discarding stream, so its formatting cost is counted but no terminal I/O is).
 */
import { startServer } from '@strongroom/server';
import { api, discardingStream, report } from './lib.ts';
import { compareWithBareServer, describeFigures, describeRatio } from './load.ts';
import type { BareComparison } from './load.ts';

export type ServerCoreFigures = BareComparison;

const CONNECTIONS = 10;
const DURATION_S = 5;
const ROUNDS = 3;
const WARMUP_S = 4;

export async function runServerCore(): Promise<ServerCoreFigures> {
  report('## server core');
  const server = await startServer({
    dev: { rootTokenId: 'bench-root' },
    listenAddress: '127.0.0.1:0',
    logDestination: discardingStream(),
  });
  try {
    // A non-root token: the default policy grants lookup-self; no use limit, a long TTL.
    const created = (await api(server, 'POST', 'auth/token/create', 'bench-root', {
      policies: ['default'],
      ttl: '24h',
      display_name: 'bench',
    })) as { auth: { client_token: string } };
    const token = created.auth.client_token;
    const subjectUrl = `${server.address}/v1/auth/token/lookup-self`;
    const headers = { 'X-Vault-Token': token };
    const sample = await fetch(subjectUrl, { headers });
    if (sample.status !== 200) throw new Error(`lookup-self answered ${sample.status}`);
    const body = await sample.text();

    const comparison = await compareWithBareServer(subjectUrl, body, headers, {
      connections: CONNECTIONS,
      durationS: DURATION_S,
      warmupS: WARMUP_S,
      rounds: ROUNDS,
    });
    const { baseline, subject } = comparison;
    report(
      `lookup-self, ${CONNECTIONS} connections x ${DURATION_S} s, keep-alive, best of ${ROUNDS} alternating rounds`,
    );
    report(describeFigures('  bare node:http (same body)', baseline));
    report(describeFigures('  strongroom lookup-self   ', subject));
    report(`  ${describeRatio(comparison, 0.5)}`);
    if (subject.non2xx + subject.errors > 0) {
      report('  warning: the subject answered errors; the figure is not comparable');
    }
    return comparison;
  } finally {
    await server.close();
  }
}
