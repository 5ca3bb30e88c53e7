import { createRequire } from 'node:module';

/**
 * `require` for the engine's optional native and WebAssembly packages (tfjs-node, tfjs-backend-wasm,
 * onnxruntime-node). Not `import()`: in the packaged app these live in app.asar, which Electron's
 * CommonJS loader reads and the ES-module loader of Electron before 28 does not.
 */
export const requireFromEngine = createRequire(import.meta.url);
