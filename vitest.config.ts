import { defineConfig } from 'vitest/config';

// One config, one project per package. Sources are resolved through the
// `development` export condition, so tests run against `src/` with no build.
const packages = ['protocol', 'client', 'server', 'agent', 'cli'];

export default defineConfig({
  resolve: { conditions: ['development'] },
  test: {
    projects: packages.map((name) => ({
      extends: true,
      test: {
        name,
        root: `packages/${name}`,
        include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        passWithNoTests: true,
      },
    })),
  },
});
