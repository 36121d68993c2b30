import { base } from '@trellis/eslint-config/base';
import { defineConfig } from 'eslint/config';

export default defineConfig(base(import.meta.dirname), {
  // A migration is typed against no schema (STYLE.md: never the live application's), which Kysely spells Kysely<any>.
  files: ['src/migrations/**', 'src/migrate.ts'],
  rules: { '@typescript-eslint/no-explicit-any': 'off' },
});
