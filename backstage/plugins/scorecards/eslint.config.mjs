// The lint rules `backstage-cli package lint` applies to a frontend plugin that matter
// here: Backstage's own plugin (declared imports, no top-level Material UI 4 imports,
// no imports across plugins), typescript-eslint's recommended rules and the rules of hooks.
import backstage from '@backstage/eslint-plugin';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '*.config.js', '*.config.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.{ts,tsx}', 'dev/**/*.{ts,tsx}'],
    plugins: { '@backstage': backstage, 'react-hooks': reactHooks },
    rules: {
      ...backstage.configs.recommended.rules,
      '@backstage/no-top-level-material-ui-4-imports': 'error',
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
