import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    globalSetup: ['../../packages/db/src/testing/global-setup.ts'],
    hookTimeout: 60_000,
  },
});
