// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'os',
  'child_process',
  'crypto',
  'http',
  'https',
  'net',
  'stream',
  'worker_threads',
  'url',
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.venv/**',
      '.venv-temporal/**',
      '.scratch/**',
      'bench/data/**',
      'bench/.venv/**',
      'bench/.build/**',
      'docs/decisions/parquet-library/**',
      'runs/**',
      'test-output/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js', 'datasets/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    // Workflows run in Temporal's deterministic sandbox: no I/O, and activities are seen only as types.
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: nodeBuiltins,
              message: 'Workflows and domain code must stay deterministic: no Node built-ins.',
            },
            {
              group: [
                '**/activities/*',
                '**/storage/*',
                '**/inference/*',
                '**/parquet/*',
                '@temporalio/activity',
                '@temporalio/worker',
                'onnxruntime-node',
              ],
              allowTypeImports: true,
              message: 'Workflows see activities, storage and inference only as types.',
            },
          ],
        },
      ],
    },
  },
  {
    // Test doubles implement async interfaces without awaiting anything.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly', URL: 'readonly', console: 'readonly' } },
  },
);
