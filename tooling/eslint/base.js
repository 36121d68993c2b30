// The lint rules of the house (STYLE.md "Formatting, linting, docs"): typescript-eslint's recommended type-checked
// rules, so a floating or misused promise, an unused variable or an unsafe `any` never ships, and a switch over a
// union must name every member. Formatting is Prettier's job; eslint-config-prettier turns off what would fight it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/**
 * @param {string} tsconfigRootDir the package's directory (pass `import.meta.dirname`)
 * @param {{ outsideProject?: string[] }} [options] files no tsconfig of the package includes (its vitest config)
 */
export function base(tsconfigRootDir, { outsideProject = ['vitest.config.ts'] } = {}) {
  return defineConfig(
    { ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', '**/coverage/**'] },
    js.configs.recommended,
    tseslint.configs.recommendedTypeChecked,
    {
      languageOptions: {
        globals: { ...globals.node },
        parserOptions: {
          projectService: { allowDefaultProject: outsideProject },
          tsconfigRootDir,
        },
      },
      linterOptions: { reportUnusedDisableDirectives: 'error' },
      rules: {
        '@typescript-eslint/no-floating-promises': 'error',
        '@typescript-eslint/no-misused-promises': 'error',
        '@typescript-eslint/no-explicit-any': 'error',
        '@typescript-eslint/no-unused-vars': [
          'error',
          {
            argsIgnorePattern: '^_',
            varsIgnorePattern: '^_',
            caughtErrorsIgnorePattern: '^_',
            ignoreRestSiblings: true,
          },
        ],
        '@typescript-eslint/switch-exhaustiveness-check': [
          'error',
          { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
        ],
        '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
        // An async function without await is how a synchronous fake fills an interface that returns promises, and
        // its throw then rejects as the real one would; flagging it would push code towards Promise.resolve noise.
        '@typescript-eslint/require-await': 'off',
        // Every regular expression with a control character here is input validation looking for exactly those.
        'no-control-regex': 'off',
        // An empty catch is this code's way to say "this may fail and that is fine" (killing a process already gone).
        'no-empty': ['error', { allowEmptyCatch: true }],
      },
    },
    {
      // Tests may reach into untyped corners (malformed bodies, raw rows) on purpose.
      files: ['**/*.test.ts', '**/*.test.tsx', '**/e2e/**', '**/testing/**'],
      rules: {
        '@typescript-eslint/no-explicit-any': 'off',
        '@typescript-eslint/no-unsafe-assignment': 'off',
        '@typescript-eslint/no-unsafe-member-access': 'off',
        '@typescript-eslint/no-unsafe-call': 'off',
        '@typescript-eslint/no-unsafe-argument': 'off',
        '@typescript-eslint/no-unsafe-return': 'off',
      },
    },
    { files: ['**/*.js', '**/*.mjs'], extends: [tseslint.configs.disableTypeChecked] },
    prettier,
  );
}
