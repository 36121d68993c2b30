import { defineConfig } from 'vitest/config';

// Browser tests: the built web app served by the real api process, driven in headless Chromium.
export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['../../packages/db/src/testing/global-setup.ts'],
    // beforeAll starts an api process, which may seed the demo: up to startApiProcess's three minutes under load
    hookTimeout: 240_000,
    testTimeout: 120_000,
  },
});
