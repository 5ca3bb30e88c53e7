import { readFile } from 'node:fs/promises';
import { InputError } from '../../input-error';
import { describeUnopenable } from '../file-kind';
import { describeHdf5Error, openHdf5 } from '../hdf5';
import { openKerasModel, parseKerasConfig } from '../keras-model';
import { assignLegacyWeights } from '../keras-weights';
import { startsWith, type ModelLoader } from '../model-loader';

const HDF5 = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Legacy Keras HDF5 (`model.save("model.h5")` in Keras 2 and 3): the model config in the root's
 * `model_config` attribute, the weights under `model_weights/<layer>`. Rebuilt as a TF.js Layers
 * model.
 */
export const kerasH5Loader: ModelLoader = {
  name: 'Keras (.h5)',
  async match(location) {
    if (location.isDirectory || !startsWith(location.head, HDF5)) return null;
    return { format: 'keras-h5', file: location.path };
  },
  async open(location, match, options) {
    const file = location.given;
    const h5 = await openHdf5(match.file).catch((error: unknown) => {
      throw new InputError(
        file,
        `is an HDF5 file that cannot be read (${describeHdf5Error(error)}).`,
      );
    });
    try {
      const text = h5.stringAttribute('', 'model_config');
      if (text === null) throw new InputError(file, describeUnopenable(location));
      const config = parseKerasConfig(file, text, 'model_config attribute');
      return await openKerasModel(
        {
          file,
          format: 'keras-h5',
          bytes: await readFile(match.file),
          config,
          assign: (model) => assignLegacyWeights(h5, model, file),
        },
        options,
      );
    } finally {
      h5.close();
    }
  },
};
