import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      // Every test, on the fastest backend that loads (native TensorFlow where `npm run
      // setup-native` ran).
      { extends: true, test: { name: 'default', include: ['test/**/*.test.ts'] } },
      // The bad-input suites again with the engine pinned to WebAssembly: no error path may crash the
      // process on either backend (the command line's engine inherits the variable).
      {
        extends: true,
        test: {
          name: 'wasm',
          include: ['test/hostile/**/*.test.ts', 'test/cli/main.test.ts'],
          env: { CALIBRATION_AUDIT_BACKEND: 'wasm' },
        },
      },
    ],
  },
});
