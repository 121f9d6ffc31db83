// ESLint flat config: the extension client (client/src) and its unit tests (client/test), type-aware.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // Only the client is linted here: the server is Python (ruff), the e2e test has its own conventions.
    ignores: ['**/node_modules/**', 'dist/**', '.e2e/**', 'e2e/**', '.venv/**', '.ci/**', 'server/**', 'tests/**', 'bench/**', 'examples/**', 'docs/**', '*.vsix'],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    files: ['client/**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      eqeqeq: 'error',
    },
  },
  {
    // The pure modules are unit-tested without VS Code: they must not import it.
    files: ['client/src/common/**/*.ts', 'client/test/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'common/ and the tests run without VS Code: inject what you need.' }] }],
    },
  },
  {
    files: ['client/test/**/*.ts'],
    rules: {
      // node:test's describe / it return promises that the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
