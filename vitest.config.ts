import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Resolve `agent-resilience` to its TypeScript sources (see sdk/package.json "exports").
    conditions: ['agent-resilience-source'],
  },
  ssr: {
    resolve: {
      conditions: ['agent-resilience-source'],
      externalConditions: ['agent-resilience-source'],
    },
  },
  test: {
    include: [
      'sdk/src/**/*.test.ts',
      'examples/**/*.test.ts',
      'test/**/*.test.ts',
      'dashboards/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    restoreMocks: true,
    unstubEnvs: true,
  },
});
