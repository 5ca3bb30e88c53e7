import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { ModelFormat } from '../../shared/model-formats';
import { InputError } from '../input-error';
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
export const NOT_MODEL_JSON = new Set(['metadata.json', 'package.json', 'labels.json']);

/**
 * Finds and parses the model's JSON: `model.json`, or the one `NAME.json` holding a `modelTopology`
 * (as `model.save('downloads://NAME')` writes it). `location` may be the folder or the JSON file.
 */
export async function readModelJson(location: string): Promise<ModelJsonFile> {
  const target = path.resolve(location);
  const info = await stat(target).catch(() => null);
  if (!info) throw new InputError(location, 'does not exist.');
  const file = info.isDirectory() ? await findModelJson(target) : target;
  const bytes = await readFile(file);
  const json = parseModelJson(file, bytes);
  return { file, folder: path.dirname(file), bytes, json, format: detectFormat(json) };
}

async function findModelJson(folder: string): Promise<string> {
  const names = (await readdir(folder)).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  if (names.includes('model.json')) return path.join(folder, 'model.json');
  const candidates: string[] = [];
  for (const name of names.filter((n) => !NOT_MODEL_JSON.has(n)).sort()) {
    const text = await readFile(path.join(folder, name), 'utf8').catch(() => '');
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
    // JSON.parse quotes the text near the error; keep it printable and short.
    const reason = (error as Error).message.replace(/[^\x20-\x7e]/g, '?').slice(0, 160);
    throw new InputError(file, `is not valid JSON, possibly truncated (${reason}).`);
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
