// The React client: the base rules in the browser, plus the rules of hooks (a hook only at the top level of a
// component or hook; effect and memo dependencies complete).
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import { defineConfig } from 'eslint/config';
import { base } from './base.js';

/**
 * @param {string} tsconfigRootDir the package's directory (pass `import.meta.dirname`)
 * @param {{ outsideProject?: string[] }} [options] files no tsconfig of the package includes
 */
export function react(tsconfigRootDir, options) {
  return defineConfig(base(tsconfigRootDir, options), {
    // The browser code only: the browser tests' `useTestDatabase` is a vitest fixture, not a React hook.
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  });
}
