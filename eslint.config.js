// ESLint flat config: type-checked typescript-eslint rules over src, test and bench.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'bench/**/*.js', 'bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  { files: ['eslint.config.js', 'rolldown.config.js'], ...tseslint.configs.disableTypeChecked },
  {
    // Spreading an array into call arguments puts every item on the stack: beyond ~100 000 items
    // (a lockfile, a layer's entries, a report's rows) it throws RangeError. Loop instead.
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.property.name=/^(push|unshift|splice|max|min|fromCharCode|fromCodePoint)$/] > SpreadElement',
          message:
            'Spread into push/unshift/splice/Math.max/min/fromCharCode fails past ~100k items: loop instead.',
        },
        {
          selector:
            'CallExpression[callee.property.name="apply"][callee.object.property.name=/^(push|unshift|splice|max|min|fromCharCode|fromCodePoint)$/]',
          message: 'apply() with an array fails past ~100k items: loop instead.',
        },
      ],
    },
  },
);
