import path from 'node:path';
import { startsWith, type ModelLocation } from './model-loader';

const HDF5 = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OPENS =
  'this app opens a TF.js model folder, a Keras .keras or .h5 file, or an ONNX .onnx file';

/** What a file or folder is, when it is not a model any loader opens; never its bytes. */
export type FileKind =
  | 'missing-tfjs'
  | 'saved-model'
  | 'zip'
  | 'keras-zip'
  | 'pytorch-zip'
  | 'torchscript'
  | 'pickle'
  | 'hdf5'
  | 'onnx'
  | 'tflite'
  | 'safetensors'
  | 'keras-json'
  | 'json'
  | 'image'
  | 'csv'
  | 'empty'
  | 'unknown';

export function sniffFileKind(location: ModelLocation): FileKind {
  if (location.isDirectory) {
    return location.entries.includes('saved_model.pb') ||
      location.entries.includes('saved_model.pbtxt')
      ? 'saved-model'
      : 'missing-tfjs';
  }
  const { head } = location;
  const name = path.basename(location.path).toLowerCase();
  if (location.size === 0) return 'empty';
  if (name === 'saved_model.pb') return 'saved-model';
  if (startsWith(head, ZIP)) {
    const text = latin1(head);
    if (/(^|\/)constants\.pkl|(^|\/)code\//.test(text) || text.includes('/constants.pkl')) {
      return 'torchscript';
    }
    if (/data\.pkl/.test(text)) return 'pytorch-zip';
    if (text.includes('config.json') || text.includes('model.weights.h5')) return 'keras-zip';
    return 'zip';
  }
  if (startsWith(head, HDF5) || [512, 1024, 2048].some((at) => startsWith(head, HDF5, at))) {
    return 'hdf5';
  }
  if (startsWith(head, 'TFL3', 4)) return 'tflite';
  if (head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) return 'pickle';
  if (isSafetensors(head)) return 'safetensors';
  if (name.endsWith('.onnx') || looksLikeOnnx(head)) return 'onnx';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47]) || startsWith(head, [0xff, 0xd8, 0xff])) {
    return 'image';
  }
  const text = latin1(head).trimStart();
  if (text.startsWith('{')) {
    return /"class_name"\s*:/.test(text) && /"config"\s*:/.test(text) ? 'keras-json' : 'json';
  }
  if (name.endsWith('.csv') || name.endsWith('.tsv')) return 'csv';
  return 'unknown';
}

/** One sentence: what the location is and what the user can do next. */
export function describeUnopenable(location: ModelLocation): string {
  const kind = sniffFileKind(location);
  switch (kind) {
    case 'missing-tfjs':
      return 'has no TF.js model (model.json, or NAME.json with a modelTopology, and its weight files) and no .keras, .h5 or .onnx file.';
    case 'saved-model':
      return 'is a TensorFlow SavedModel, which this app cannot run; save the model as Keras (model.save("model.keras")) or convert it to ONNX (tf2onnx) or to TF.js (tensorflowjs_converter).';
    case 'pytorch-zip':
      return 'is a PyTorch checkpoint (torch.save zip with a pickle), which holds weights but no runnable graph; export the model to ONNX (torch.onnx.export) or audit its predictions with --scores.';
    case 'torchscript':
      return 'is a TorchScript model, which this app cannot run; export it to ONNX (torch.onnx.export) or audit its predictions with --scores.';
    case 'pickle':
      return 'is a Python pickle (a PyTorch or scikit-learn model saved with pickle), which this app never unpickles; export it to ONNX (torch.onnx.export or skl2onnx) or audit its predictions with --scores.';
    case 'keras-zip':
      return 'is a Keras 3 model archive (a zip with config.json), not a TF.js model JSON; give it the extension .keras and open that file.';
    case 'zip':
      return `is a zip archive but not a Keras 3 .keras model (no config.json and model.weights.h5); unzip it and open the model inside (${OPENS}).`;
    case 'hdf5':
      return 'is an HDF5 file but not a Keras model (no model_config: a weights-only file?); save the whole model with model.save("model.keras") or model.save("model.h5").';
    case 'onnx':
      return 'looks like an ONNX model but could not be opened as one.';
    case 'tflite':
      return 'is a TensorFlow Lite flatbuffer, which this app cannot run; open the Keras or ONNX model it was converted from, or audit its predictions with --scores.';
    case 'safetensors':
      return 'is a safetensors weights file, which holds weights but no graph; export the model to ONNX or audit its predictions with --scores.';
    case 'keras-json':
      return 'is a Keras architecture JSON (model.to_json()) without weights; save the whole model with model.save("model.keras").';
    case 'json':
      return `is JSON but not a model (no modelTopology); ${OPENS}.`;
    case 'image':
      return 'is an image, not a model; give it (or its folder) as the test set.';
    case 'csv':
      return 'is a CSV file, not a model; give it as the test set, or audit a file of predictions with --scores.';
    case 'empty':
      return 'File has no content.';
    case 'unknown': {
      const ext = path.extname(location.path);
      return `is not a model file this app recognises${ext ? ` (${ext})` : ''}; ${OPENS}.`;
    }
  }
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

/** safetensors: an 8-byte little-endian header length, then a JSON header. */
function isSafetensors(head: Uint8Array): boolean {
  return head.length > 10 && head[8] === 0x7b && head[9] === 0x22 && head[6] === 0 && head[7] === 0;
}

/**
 * ONNX ModelProto: protobuf starting with field 1 (ir_version, varint) and then producer_name
 * (field 2) or an opset/graph field; a loose check used only to name the file.
 */
export function looksLikeOnnx(head: Uint8Array): boolean {
  if (head[0] !== 0x08 || head[1] === undefined || head[1] > 12) return false;
  const next = head[2];
  return next === 0x12 || next === 0x1a || next === 0x22 || next === 0x3a || next === 0x42;
}
