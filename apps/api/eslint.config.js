import { base } from '@trellis/eslint-config/base';
import { defineConfig } from 'eslint/config';

export default defineConfig(base(import.meta.dirname), {
  // The api runs beside the worker, never on it: what both need (the rollup unit) lives in @trellis/db.
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          { group: ['@trellis/worker', '@trellis/worker/*'], message: 'The api never imports the worker.' },
          { regex: '(^|/)worker/src(/|$)', message: 'The api never imports the worker.' },
        ],
      },
    ],
  },
});
