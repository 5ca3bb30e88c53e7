import { withCalibrationMap } from './calibration-map';
import type { LoadedModel } from './loaded-model';
import type { ModelOpenOptions } from './model-loader';
import { openModel } from './registry';

export type { LoadedModel, ModelInfo, TrainableCapability } from './loaded-model';
export { summariseModel } from './loaded-model';

/**
 * Opens a model in any format the registry knows (registry.ts), checking every file first: a TF.js
 * folder or JSON file, a Keras .keras/.h5 file, an ONNX file, or a folder holding one of them.
 */
export async function loadModel(
  location: string,
  options: ModelOpenOptions = {},
): Promise<LoadedModel> {
  // A folder exported from a binning arm carries its map (calibration-map.json): applied here.
  return withCalibrationMap(await openModel(location, options));
}
