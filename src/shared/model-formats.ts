/**
 * Every model format the engine opens, one name each. `layers` and `graph` keep the names audits
 * saved before other formats existed.
 */
export type ModelFormat = 'layers' | 'graph' | 'keras' | 'keras-h5' | 'onnx';

/** How each format is named to the user. A new format does not compile without its label. */
export const MODEL_FORMAT_LABELS: Record<ModelFormat, string> = {
  layers: 'TF.js layers model',
  graph: 'TF.js graph model',
  keras: 'Keras model (.keras)',
  'keras-h5': 'Keras HDF5 model (.h5)',
  onnx: 'ONNX model',
};
