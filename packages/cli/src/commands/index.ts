/** Every command of the `strongroom` binary. */
import type { Command } from './command.ts';
import { genericCommands } from './generic.ts';
import { kvCommands } from './kv.ts';
import { authCommands, secretsCommands } from './mounts.ts';
import { policyCommands } from './policy.ts';
import { runCommands } from './run.ts';
import { serverCommands } from './server.ts';
import { statusCommands } from './status.ts';
import { tokenCommands } from './token.ts';

export type { Command } from './command.ts';
export { envName } from './run.ts';

export const commands: readonly Command[] = [
  ...serverCommands,
  ...statusCommands,
  ...tokenCommands,
  ...policyCommands,
  ...secretsCommands,
  ...authCommands,
  ...genericCommands,
  ...kvCommands,
  ...runCommands,
];
