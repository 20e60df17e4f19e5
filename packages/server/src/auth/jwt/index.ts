/** The JWT/OIDC auth method. */
export { createJwtBackend, jwtBackendFactory } from './backend.ts';
export type { JwtBackendOptions } from './backend.ts';
