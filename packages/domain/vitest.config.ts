import { defineConfig } from 'vitest/config';

// The property tests are CPU-bound (well under a second alone); `pnpm test` runs every package at once on two
// cores, where they can take ten times as long: time them out only on a real hang.
export default defineConfig({ test: { include: ['src/**/*.test.ts'], testTimeout: 30_000 } });
