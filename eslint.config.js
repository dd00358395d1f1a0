// Lint: typescript-eslint's recommended rules, plus the package boundaries of DESIGN.md §1.
// Each workspace may import only what its own package.json declares (so protocol cannot reach
// server, server cannot reach web), and never another package's files by relative path.
import tseslint from 'typescript-eslint'
import importX from 'eslint-plugin-import-x'
import reactHooks from 'eslint-plugin-react-hooks'

const strippable = [
  { selector: 'TSEnumDeclaration', message: 'Use an `as const` object and a union: Node strips types only.' },
  { selector: 'TSModuleDeclaration[kind="namespace"]', message: 'No namespaces: Node strips types only.' },
  { selector: 'TSParameterProperty', message: 'No parameter properties: Node strips types only.' },
]
const packages = ['protocol', 'federation', 'server', 'client-sdk', 'web', 'bench', 'test']

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'data/**',
      'spec/**',
      'test/media/page/**',
      '**/dist/**',
      'server/.dist-*/**',
      'test/artifacts/**',
      'test/sdk/.doctest/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-relative-packages': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': ['error', ...strippable],
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Only the config loader reads the environment (server/src/config).',
        },
      ],
    },
  },
  ...packages.map((dir) => ({
    files: [`${dir}/**/*.ts`, `${dir}/**/*.tsx`],
    rules: {
      'import-x/no-extraneous-dependencies': ['error', { packageDir: [`./${dir}`, '.'], devDependencies: true }],
    },
  })),
  {
    // The web client's React code: the rules of hooks, and complete effect dependencies.
    files: ['web/src/**/*.tsx', 'web/src/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      // The web client reaches the server only through @parley/client: no API paths written by hand.
      'no-restricted-syntax': [
        'error',
        ...strippable,
        { selector: 'Literal[value=/\\/api\\//]', message: 'API URLs come from @parley/client, not from web/.' },
        {
          selector: 'TemplateElement[value.raw=/\\/api\\//]',
          message: 'API URLs come from @parley/client, not from web/.',
        },
      ],
    },
  },
  {
    // The entry point hands the environment to the config loader; nothing else may read it.
    files: ['server/src/main.ts', 'server/src/cli/**/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
)
