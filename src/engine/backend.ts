import * as tf from '@tensorflow/tfjs';

import type { BackendName } from '../shared/audit-document';
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
  active ??= chooseBackend(requested);
  return active;
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
    // A variable specifier keeps bundlers and the type checker from requiring the optional package.
    if (name === 'tensorflow') await import(TFJS_NODE);
    if (name === 'wasm') {
      await import('@tensorflow/tfjs-backend-wasm');
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
