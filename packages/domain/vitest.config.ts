import { defineConfig } from 'vitest/config';

// The property tests (authorize against a naive reference) take ~1 s alone but over 5 s on a loaded 2-core machine.
export default defineConfig({ test: { include: ['src/**/*.test.ts'], testTimeout: 30_000 } });
