import { constants } from 'node:os';
import * as tf from '@tensorflow/tfjs';

import type { BackendName } from '../shared/audit-document';
import { requireFromEngine } from './node-require';
import { registerWasmGradientKernels } from './train/wasm-gradient-kernels';

export type { BackendName };
/** The tfjs backends the engine can run on, fastest first. */
export const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface BackendChoice {
  /** The backend every computation of this process runs on. */
  name: BackendName;
  /** Why each faster backend was not used, e.g. "tensorflow: @tensorflow/tfjs-node is not installed". */
  fallbacks: string[];
}

const TFJS_NODE = '@tensorflow/tfjs-node';
let active: Promise<BackendChoice> | null = null;

/**
 * Picks the fastest backend that loads (tfjs-node, then WebAssembly, then plain JS), or the one asked for.
 * tfjs keeps one active backend per process, so the first choice holds for the life of the process.
 */
export function selectBackend(requested?: BackendName): Promise<BackendChoice> {
  active ??= chooseBackend(requested ?? backendFromEnvironment());
  return active;
}

/**
 * CALIBRATION_AUDIT_BACKEND=tensorflow|wasm|cpu pins the backend of every engine in this process and
 * its children (the tests run the engine suite on each backend this way).
 */
function backendFromEnvironment(): BackendName | undefined {
  const name = process.env.CALIBRATION_AUDIT_BACKEND;
  if (!name) return undefined;
  if (!(BACKENDS as readonly string[]).includes(name)) {
    throw new Error(
      `CALIBRATION_AUDIT_BACKEND must be one of ${BACKENDS.join(', ')}, not "${name}".`,
    );
  }
  return name as BackendName;
}

async function chooseBackend(requested?: BackendName): Promise<BackendChoice> {
  const candidates = requested ? [requested] : [...BACKENDS];
  const fallbacks: string[] = [];
  for (const name of candidates) {
    const failure = await tryBackend(name);
    if (failure === null) return { name, fallbacks };
    fallbacks.push(`${name}: ${failure}`);
  }
  throw new Error(`No tfjs backend could be started (${fallbacks.join('; ')}).`);
}

async function tryBackend(name: BackendName): Promise<string | null> {
  try {
    // A variable specifier keeps the type checker from requiring the optional package.
    if (name === 'tensorflow') {
      keepNativeAddonsLoaded();
      requireFromEngine(TFJS_NODE);
    }
    if (name === 'wasm') {
      requireFromEngine('@tensorflow/tfjs-backend-wasm');
      // tfjs-backend-wasm lacks or gets wrong several gradient kernels; fine-tuning needs them.
      registerWasmGradientKernels();
    }
    if (!(await tf.setBackend(name))) return 'the backend did not initialise';
    await tf.ready();
    return null;
  } catch (error) {
    return describeLoadFailure(error);
  }
}

interface NodeModuleLoader {
  _extensions: Record<string, (module: { exports: unknown }, filename: string) => void>;
}
let addonsPinned = false;
/** dlfcn.h's value (glibc, macOS); Node's os.constants.dlopen does not export it. */
const RTLD_NODELETE = process.platform === 'darwin' ? 0x80 : 0x1000;

/**
 * Loads native addons with RTLD_NODELETE, so that they stay mapped for the life of the process.
 *
 * Node unloads (dlclose) the addons a worker thread loaded when that worker exits. libtensorflow keeps
 * threads and exit handlers of its own that then run code that is no longer mapped: the process dies
 * with SIGSEGV as soon as an engine thread is terminated, which is how the command line and the
 * browser host end every run, failed or not. Pinning the addon costs nothing (it is loaded once anyway).
 */
function keepNativeAddonsLoaded(): void {
  if (addonsPinned || process.platform === 'win32') return;
  addonsPinned = true;
  const loader = requireFromEngine('node:module') as NodeModuleLoader;
  const flags = constants.dlopen.RTLD_LAZY | RTLD_NODELETE;
  loader._extensions['.node'] = (module, filename) => {
    process.dlopen(module, filename, flags);
  };
}

function describeLoadFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/Cannot find (module|package) '@tensorflow\/tfjs-node'/.test(message)) {
    return '@tensorflow/tfjs-node is not installed (its libtensorflow download needs internet at install time)';
  }
  return message.split('\n')[0];
}

/** For tests and benchmarks that compare backends inside one process. */
export async function switchBackend(name: BackendName): Promise<BackendChoice> {
  const failure = await tryBackend(name);
  if (failure !== null) throw new Error(`Backend ${name} is not available: ${failure}`);
  active = Promise.resolve({ name, fallbacks: [] });
  return active;
}
