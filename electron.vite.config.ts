import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // h5wasm and hyparquet are ES-module only, which Electron before 28 cannot require: bundled,
      // they load like the rest of the engine (from app.asar too).
      externalizeDeps: { exclude: ['h5wasm', 'hyparquet'] },
      rollupOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          // The engine runs in an Electron utility process, never in the main process's event loop.
          'engine-process': resolve('src/main/engine-process.ts'),
        },
        // CommonJS, as electron-vite builds by default: every Electron loads it as a main script, while an
        // ES-module main needs Electron 28 or later. `.cjs` because package.json says "type": "module".
        output: {
          format: 'cjs',
          entryFileNames: '[name].cjs',
          chunkFileNames: 'chunks/[name]-[hash].cjs',
        },
      },
    },
  },
  preload: {
    // A sandboxed preload cannot require packages: bundle everything into one CommonJS file.
    build: {
      outDir: 'out/preload',
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    plugins: [svelte({ configFile: resolve('svelte.config.js') })],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
  },
});
