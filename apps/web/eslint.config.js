import { react } from '@trellis/eslint-config/react';

// vite.config.ts and vitest.config.ts are in this package's tsconfig.
export default react(import.meta.dirname, { outsideProject: [] });
