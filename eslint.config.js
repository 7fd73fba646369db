// ESLint flat config: typescript-eslint's recommended rules plus the layering rules of
// ARCHITECTURE.md section 3, enforced so that lib/ never reaches into routers/ and the lower
// layers stay free of Express.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const noRouters = { group: ['**/routers/**', '../routers/*', '../../routers/*'], message: 'lib/ never imports routers/ (ARCHITECTURE.md section 3).' }
const noSpec = { group: ['**/spec/**'], message: 'Production code never imports spec/.' }
const noTesting = { group: ['**/testing/**', './testing/*'], message: 'Production code never imports */testing/* helpers.' }
const noExpress = { group: ['express', 'express/*'], message: 'lib/api, lib/storage and lib/registry never import Express.' }
const noOpenapi = { group: ['**/openapi/**'], message: 'openapi/ is used by routers/ only.' }

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.kubectl/**', 'docs/examples/**/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Named middleware functions (house style) need the server under a name of its own.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['server'] }],
    },
  },
  {
    files: ['lib/api/**/*.ts', 'lib/storage/**/*.ts', 'lib/registry/**/*.ts'],
    ignores: ['lib/storage/testing/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noRouters, noSpec, noTesting, noExpress, noOpenapi] }] },
  },
  {
    files: ['lib/**/*.ts'],
    ignores: ['lib/api/**', 'lib/storage/**', 'lib/registry/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noRouters, noSpec, noTesting, noOpenapi] }] },
  },
  {
    // Filters sit below lib/server in ARCHITECTURE.md's order.
    files: ['lib/filters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [noRouters, noSpec, noTesting, noOpenapi, { group: ['../server/*', '**/lib/server/**'], message: 'lib/filters sits below lib/server (ARCHITECTURE.md section 3).' }] },
      ],
    },
  },
  {
    files: ['routers/**/*.ts', 'openapi/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noSpec, noTesting] }] },
  },
  {
    files: ['spec/**/*.ts'],
    rules: { '@typescript-eslint/no-unused-expressions': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
)
