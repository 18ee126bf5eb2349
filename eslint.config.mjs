import tseslint from 'typescript-eslint';
import { boundaries } from './scripts/eslint-boundaries.mjs';

/** The import boundary (scripts/eslint-boundaries.mjs); test/platform/boundaries.test.ts shows it firing. */
export const boundaryConfig = {
  files: ['platform/**/*.ts', 'extension/**/*.ts'],
  plugins: { boundaries },
  rules: { 'boundaries/imports': 'error' },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/fixtures/**', '**/*.mjs', '**/*.js', '.vscode-test/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  boundaryConfig,
);
