import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { ModelFormat } from '../../shared/model-formats';
import { InputError } from '../input-error';
import { notTextReason, SNIFF_BYTES } from '../data/sniff';
import { describeUnopenable } from './file-kind';

/** The two TF.js formats (see shared/model-formats.ts for every format). */
export type TfjsFormat = Extract<ModelFormat, 'layers' | 'graph'>;

export interface ModelJsonFile {
  /** Absolute path of the model's JSON file. */
  file: string;
  /** The folder weight paths are relative to. */
  folder: string;
  bytes: Buffer;
  json: tf.io.ModelJSON;
  format: TfjsFormat;
}

/** Files in a model folder that are JSON but never the model itself. */
export const NOT_MODEL_JSON = new Set([
  'metadata.json',
  'package.json',
  'labels.json',
  'calibration-map.json',
]);

/**
 * Finds and parses the model's JSON: `model.json`, or the one `NAME.json` holding a `modelTopology`
 * (as `model.save('downloads://NAME')` writes it). `location` may be the folder or the JSON file.
 */
export async function readModelJson(location: string): Promise<ModelJsonFile> {
  const target = path.resolve(location);
  const info = await stat(target).catch(() => null);
  if (!info) throw new InputError(location, 'does not exist.');
  const file = info.isDirectory() ? await findModelJson(target) : target;
  const bytes = await readJsonBytes(file);
  const json = parseModelJson(file, bytes);
  return { file, folder: path.dirname(file), bytes, json, format: detectFormat(json) };
}

async function findModelJson(folder: string): Promise<string> {
  const names = (await readdir(folder)).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  if (names.includes('model.json')) return path.join(folder, 'model.json');
  const candidates: string[] = [];
  for (const name of names.filter((n) => !NOT_MODEL_JSON.has(n)).sort()) {
    const text = await readJsonBytes(path.join(folder, name)).then(
      (bytes) => bytes.toString('utf8'),
      () => '',
    );
    if (text.includes('"modelTopology"')) candidates.push(name);
  }
  if (candidates.length === 1) return path.join(folder, candidates[0]);
  if (candidates.length > 1) {
    throw new InputError(
      folder,
      `holds several model files (${candidates.join(', ')}); open one of them.`,
    );
  }
  throw new InputError(
    folder,
    'has no TF.js model: expected model.json (or NAME.json with a modelTopology) and its weight files.',
  );
}

/** Largest model JSON read; the weights live in their own files, so a topology is far smaller. */
export const MAX_MODEL_JSON_BYTES = 128 * 1024 * 1024;

/**
 * The JSON file's bytes, once its size and first bytes say it can be JSON text: a binary file (a
 * .keras ZIP, an HDF5 file, NUL bytes) or an oversized one is refused before it is read whole.
 */
async function readJsonBytes(file: string): Promise<Buffer> {
  const handle = await open(file, 'r').catch(() => {
    throw new InputError(file, 'cannot be read.');
  });
  try {
    const { size } = await handle.stat();
    if (size > MAX_MODEL_JSON_BYTES) {
      throw new InputError(
        file,
        `is ${Math.round(size / 2 ** 20)} MiB, too large to be a model's JSON (at most ${MAX_MODEL_JSON_BYTES / 2 ** 20} MiB).`,
      );
    }
    const head = Buffer.alloc(Math.min(size, SNIFF_BYTES));
    await handle.read(head, 0, head.length, 0);
    const binary = notTextReason(head);
    if (binary) {
      // Say what it is (a Keras archive, HDF5, ONNX...) where that is known, never its bytes.
      const location = { path: file, given: file, isDirectory: false, head, size, entries: [] };
      const kind = describeUnopenable(location);
      throw new InputError(
        file,
        // A known binary format by name; anything else by what makes it binary (a NUL byte, say).
        /^(is|looks) /.test(kind) &&
          !/^is (JSON|not a model file|a CSV|a Keras architecture)/.test(kind)
          ? `is not JSON: it ${kind}`
          : `${binary}, not a TF.js model's JSON.`,
      );
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

function parseModelJson(file: string, bytes: Buffer): tf.io.ModelJSON {
  if (bytes.length === 0) throw new InputError(file, 'File has no content.');
  const first = bytes.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first !== 0x7b && first !== 0x5b) {
    // Not JSON at all: say what it is (a Keras archive, HDF5, ONNX...), never its bytes.
    const head = new Uint8Array(bytes.subarray(0, 4096));
    const location = {
      path: file,
      given: file,
      isDirectory: false,
      head,
      size: bytes.length,
      entries: [],
    };
    throw new InputError(file, `is not JSON: it ${describeUnopenable(location)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    // V8's message quotes the text around the mistake raw; only its position is kept.
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    const where = at === undefined ? '' : ` (at character ${at})`;
    throw new InputError(file, `is not valid JSON, possibly truncated${where}.`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InputError(file, 'is not a TF.js model: the JSON is not an object.');
  }
  const record = json as Record<string, unknown>;
  if (typeof record.modelTopology !== 'object' || record.modelTopology === null) {
    if (typeof record.class_name === 'string' && typeof record.config === 'object') {
      throw new InputError(
        file,
        'is a Keras architecture JSON (model.to_json()) without weights, not a TF.js model (no modelTopology); save the whole model with model.save("model.keras").',
      );
    }
    throw new InputError(file, 'is not a TF.js model: it has no modelTopology.');
  }
  if (!Array.isArray(record.weightsManifest)) {
    throw new InputError(file, 'is not a TF.js model: it has no weightsManifest list.');
  }
  return json as tf.io.ModelJSON;
}

function detectFormat(json: tf.io.ModelJSON): TfjsFormat {
  const topology = json.modelTopology as Record<string, unknown>;
  if (json.format === 'graph-model' || Array.isArray(topology.node)) return 'graph';
  return 'layers';
}
