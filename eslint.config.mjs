// Lint what review would otherwise have to catch: a forgotten await, an import cycle, a deprecated API,
// I/O in workflow code.
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';
import { modulesReachedFrom } from './tools/workflow-modules.mjs';
import { boundaryZones } from './tools/boundaries.mjs';

// Temporal's internals move between releases; only the documented history helper is allowed.
const noTemporalInternals = {
  group: ['@temporalio/*/lib/*', '!@temporalio/common/lib/proto-utils'],
  message: "Temporal's internals (lib/*) are not its API: import from the package itself",
};

const nodeBuiltins = builtinModules.join('|');
// The only packages made for the workflow sandbox: deterministic, no I/O.
const workflowPackages = ['@temporalio/workflow', '@temporalio/common'].join('|');

// One way to turn whatever was thrown into text: errorMessage / errorDetail in src/platform/errors.ts.
const oneWayToDescribeErrors = [
  "ConditionalExpression > BinaryExpression.test[operator='instanceof'][right.name='Error']",
  "MemberExpression[property.name='message'] > TSAsExpression.object[typeAnnotation.typeName.name='Error']",
].map((selector) => ({
  selector,
  message: 'describe an unknown error with errorMessage() from src/platform/errors.ts',
}));

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.data/', 'bin/', 'dist/'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    plugins: { 'import-x': importX },
    // import-x reads our extensionless relative .ts imports, resolved as Node resolves them.
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
    },
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
      // Deprecated APIs go in the next major release of the SDK or client that marks them.
      '@typescript-eslint/no-deprecated': 'error',
      // A cycle makes load order matter: a module sees another's exports undefined at start-up.
      'import-x/no-cycle': 'error',
      // Destructuring a field away (`{ dropped: _, ...rest }`) is how we omit one from a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [noTemporalInternals] }],
      'no-restricted-syntax': ['error', ...oneWayToDescribeErrors],
    },
  },
  { files: ['src/platform/errors.ts'], rules: { 'no-restricted-syntax': 'off' } },
  {
    // The layers (docs/architecture.md): the core imports nothing above it; nobody imports the bridge,
    // the CLI or a process's entry point; only the CLI's simulate reaches development tooling.
    files: ['src/**/*.ts', 'dev/**/*.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: boundaryZones(import.meta.dirname) }] },
  },
  {
    // A function fits on a screen; blank lines and comments count, as they do on the screen.
    files: ['src/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80 }] },
  },
  {
    // The bridge reads in small units too.
    files: ['src/bridge/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80 }] },
  },
  {
    // Workflow code must be deterministic: no Node built-ins, no clients, no I/O, in any module the
    // bundle reaches (computed from its entry; a type-only import reaches nothing). And it reads like
    // prose: small files.
    files: modulesReachedFrom('src/worker/workflows.ts', import.meta.dirname),
    rules: {
      'max-lines': ['error', { max: 200 }],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            noTemporalInternals,
            {
              regex: `^(node:|(${nodeBuiltins})(/|$))`,
              message: 'no Node built-ins in code the workflow bundle reaches',
            },
            {
              // A type-only import is erased before bundling, so types from a client are fine.
              allowTypeImports: true,
              regex: `^(?!\\.|node:|(${nodeBuiltins})(/|$)|(${workflowPackages})$)`,
              message: `no clients or I/O in code the workflow bundle reaches (use an activity); packages allowed: ${workflowPackages.replaceAll('|', ', ')}`,
            },
          ],
        },
      ],
    },
  },
  // The pipeline's shape is data, kept in one file so that changing the platform means editing one file.
  { files: ['src/pipeline/definition.ts'], rules: { 'max-lines': 'off' } },
);
