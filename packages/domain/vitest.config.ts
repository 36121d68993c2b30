import { defineConfig } from 'vitest/config';

// Property tests take ~0.5 s alone but run beside the database-heavy suites of `pnpm test` on two shared cores.
export default defineConfig({ test: { include: ['src/**/*.test.ts'], testTimeout: 30_000 } });
