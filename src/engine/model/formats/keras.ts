import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { InputError } from '../../input-error';
import { describeHdf5Error, openHdf5 } from '../hdf5';
import { openKerasModel, parseKerasConfig } from '../keras-model';
import { assignKeras3Weights } from '../keras-weights';
import { startsWith, type ModelLoader } from '../model-loader';

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const CONFIG = 'config.json';
const WEIGHTS = 'model.weights.h5';

/**
 * Keras 3 `.keras`: a zip of `config.json` (the model config), `model.weights.h5` (variables by
 * layer path) and Keras's own `metadata.json`. Rebuilt as a TF.js Layers model.
 */
export const kerasLoader: ModelLoader = {
  name: 'Keras (.keras)',
  async match(location) {
    if (location.isDirectory || !startsWith(location.head, ZIP)) return null;
    const text = Buffer.from(location.head).toString('latin1');
    const named = path.extname(location.path).toLowerCase() === '.keras';
    return named || text.includes(CONFIG) ? { format: 'keras', file: location.path } : null;
  },
  async open(location, match, options) {
    const file = location.given;
    const bytes = await readFile(match.file);
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(bytes, {
        filter: (entry) => entry.name === CONFIG || entry.name === WEIGHTS,
      });
    } catch (error) {
      throw new InputError(file, `is a damaged zip archive (${(error as Error).message}).`);
    }
    if (!entries[CONFIG]) {
      throw new InputError(
        file,
        'is a zip archive without config.json, so not a Keras 3 .keras model; save the model with model.save("model.keras").',
      );
    }
    if (!entries[WEIGHTS]) {
      throw new InputError(file, 'is a .keras archive without model.weights.h5 (no weights).');
    }
    const config = parseKerasConfig(file, Buffer.from(entries[CONFIG]).toString('utf8'), CONFIG);
    // h5wasm's Node build reads real files: the weights go to a private temporary folder.
    const temporary = await mkdtemp(path.join(os.tmpdir(), 'calibration-audit-keras-'));
    try {
      const weightsFile = path.join(temporary, WEIGHTS);
      await writeFile(weightsFile, entries[WEIGHTS]);
      const h5 = await openHdf5(weightsFile).catch((error: unknown) => {
        throw new InputError(
          file,
          `has a model.weights.h5 that cannot be read as HDF5 (${describeHdf5Error(error)}).`,
        );
      });
      try {
        return await openKerasModel(
          {
            file,
            format: 'keras',
            bytes,
            config,
            assign: (model) => assignKeras3Weights(h5, config, model, file),
          },
          options,
        );
      } finally {
        h5.close();
      }
    } finally {
      await rm(temporary, { recursive: true, force: true });
    }
  },
};
