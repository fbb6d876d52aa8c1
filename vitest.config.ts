import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{app,main,sdk,native-probe,renderer,scripts}/**/*.test.{ts,tsx}'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
