// Lint what review would otherwise have to catch: a forgotten await, I/O in workflow code.
import tseslint from 'typescript-eslint';

// Temporal's internals move between releases; only the documented history helper is allowed.
const noTemporalInternals = {
  group: ['@temporalio/*/lib/*', '!@temporalio/common/lib/proto-utils'],
  message: "Temporal's internals (lib/*) are not its API: import from the package itself",
};

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.data/', 'bin/', 'dist/'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A forgotten await on an activity, a timer or a publish is a bug.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['describe', 'it', 'before', 'after', 'beforeEach', 'afterEach', 'test'],
            },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': ['error', { patterns: [noTemporalInternals] }],
    },
  },
  {
    // Workflow code must be deterministic: no Node built-ins, no clients, no I/O.
    files: [
      'src/workflows/**/*.ts',
      'src/pipeline/**/*.ts',
      'src/messages/trigger.ts',
      'src/messages/export-message.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noTemporalInternals,
            {
              group: ['node:*', 'fs', 'path', 'os', 'crypto', 'http', 'child_process'],
              message: 'no Node built-ins in workflow code',
            },
            {
              group: ['@google-cloud/*', '@temporalio/client', '@temporalio/worker', 'pino', 'zod'],
              message: 'no clients or I/O in workflow code: use an activity',
            },
          ],
        },
      ],
    },
  },
);
