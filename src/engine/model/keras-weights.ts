import * as tf from '@tensorflow/tfjs';
import { InputError } from '../input-error';
import type { Hdf5Reader } from './hdf5';

type LayerJson = { class_name: string; config: Record<string, unknown> & { name?: string } };
type ModelJson = { class_name?: string; config?: { layers?: LayerJson[] } | LayerJson[] };

const NESTED_MODELS = new Set(['Sequential', 'Functional', 'Model']);

/** A weight read from the file, with where it came from (for messages). */
interface FileWeight {
  path: string;
  shape: number[];
  values: Float32Array;
}

/** Keras's own name for a class in a weights file: `to_snake_case` of keras.src.utils.naming. */
export function kerasSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

function layersOf(model: ModelJson): LayerJson[] {
  const config = model.config;
  const layers = Array.isArray(config) ? config : config?.layers;
  return Array.isArray(layers) ? layers : [];
}

/**
 * Keras 3 `.keras` weights (`model.weights.h5`): each layer's variables under
 * `layers/<name>/vars/0..n`, where <name> is the snake-cased class name made unique in layer order
 * (conv2d, conv2d_1, ...), nested models under `layers/<name>/layers/...`, and sub-objects (a
 * recurrent layer's cell) in their own groups. Sets them on the tfjs model built from the same
 * config, layer by layer, checking every shape.
 */
export function assignKeras3Weights(
  h5: Hdf5Reader,
  config: ModelJson,
  model: tf.LayersModel,
  file: string,
  group = '',
): void {
  const used = new Map<string, number>();
  for (const layer of layersOf(config)) {
    const base = kerasSnakeCase(layer.class_name);
    const count = used.get(base);
    used.set(base, (count ?? -1) + 1);
    const name = count === undefined ? base : `${base}_${count + 1}`;
    const path = `${group}layers/${name}`;
    if (layer.class_name === 'InputLayer') continue;
    const target = findLayer(model, String(layer.config?.name), file);
    if (NESTED_MODELS.has(layer.class_name)) {
      assignKeras3Weights(h5, layer as ModelJson, target as tf.LayersModel, file, `${path}/`);
      continue;
    }
    setLayerWeights(target, collectVars(h5, path, file), file);
  }
}

/** A Keras 3 object's variables: its own `vars/0..n`, then those of its sub-objects. */
function collectVars(h5: Hdf5Reader, path: string, file: string): FileWeight[] {
  const out: FileWeight[] = [];
  const vars = h5
    .keys(`${path}/vars`)
    .filter((key) => /^\d+$/.test(key))
    .sort((a, b) => Number(a) - Number(b));
  for (const key of vars) out.push(readWeight(h5, `${path}/vars/${key}`, file));
  for (const child of h5.keys(path)) {
    if (child !== 'vars' && h5.isGroup(`${path}/${child}`)) {
      out.push(...collectVars(h5, `${path}/${child}`, file));
    }
  }
  return out;
}

/**
 * Legacy HDF5 weights (Keras 2 and Keras 3 `.h5`): `model_weights/<layer>` with a `weight_names`
 * attribute listing datasets below it (`c1/kernel:0`, `model/bn/gamma`, ...). A plain layer's
 * weights are in its own order; a nested model's are matched to its inner layers by name.
 */
export function assignLegacyWeights(h5: Hdf5Reader, model: tf.LayersModel, file: string): void {
  const root = h5.isGroup('model_weights') ? 'model_weights' : '';
  for (const name of h5.stringListAttribute(root, 'layer_names')) {
    const group = root ? `${root}/${name}` : name;
    const names = h5.stringListAttribute(group, 'weight_names');
    if (names.length === 0) continue;
    const weights = names.map((w) => readWeight(h5, `${group}/${w}`, file));
    const target = findLayer(model, name, file);
    const inner = (target as unknown as { layers?: tf.layers.Layer[] }).layers;
    if (!Array.isArray(inner)) {
      setLayerWeights(target, weights, file);
      continue;
    }
    assignNestedByName(target as tf.LayersModel, names, weights, file);
  }
}

/** Every innermost layer of a (nested) tfjs model. */
function innermost(model: tf.LayersModel): tf.layers.Layer[] {
  const out: tf.layers.Layer[] = [];
  const visit = (layer: tf.layers.Layer) => {
    const nested = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
    if (Array.isArray(nested)) nested.forEach(visit);
    else out.push(layer);
  };
  model.layers.forEach(visit);
  return out;
}

function assignNestedByName(
  model: tf.LayersModel,
  names: string[],
  weights: FileWeight[],
  file: string,
): void {
  const byLayer = new Map<tf.layers.Layer, (FileWeight | undefined)[]>();
  const layers = innermost(model).filter((layer) => layer.weights.length > 0);
  for (const layer of layers) byLayer.set(layer, new Array(layer.weights.length));
  names.forEach((name, i) => {
    const segments = name.replace(/:\d+$/, '').split('/');
    const variable = segments[segments.length - 1];
    const owners = new Set(segments.slice(0, -1));
    let placed = false;
    for (const layer of layers) {
      if (!owners.has(layer.name)) continue;
      const slot = layer.weights.findIndex(
        (w, k) => shortName(w.originalName) === variable && byLayer.get(layer)![k] === undefined,
      );
      if (slot >= 0) {
        byLayer.get(layer)![slot] = weights[i];
        placed = true;
        break;
      }
    }
    if (!placed) {
      throw new InputError(
        file,
        `has the weight '${name}', which matches no layer of the nested model '${model.name}'.`,
      );
    }
  });
  for (const [layer, values] of byLayer) {
    if (values.some((v) => v === undefined)) {
      throw new InputError(file, `has no weights for the layer '${layer.name}'.`);
    }
    setLayerWeights(layer, values as FileWeight[], file);
  }
}

function shortName(originalName: string): string {
  const parts = originalName.split('/');
  return parts[parts.length - 1].replace(/_\d+$/, '');
}

function findLayer(model: tf.LayersModel, name: string, file: string): tf.layers.Layer {
  try {
    return model.getLayer(name);
  } catch {
    throw new InputError(file, `has weights for a layer '${name}' that its model config lacks.`);
  }
}

function readWeight(h5: Hdf5Reader, path: string, file: string): FileWeight {
  const read = h5.dataset(path);
  if (!read) throw new InputError(file, `has no float array at '${path}' among its weights.`);
  return { path, shape: read.shape, values: read.values };
}

/** Sets one layer's weights in its own order, after checking their number and shapes. */
function setLayerWeights(layer: tf.layers.Layer, weights: FileWeight[], file: string): void {
  const expected = layer.weights;
  if (expected.length !== weights.length) {
    throw new InputError(
      file,
      `has ${weights.length} weight arrays for the layer '${layer.name}' (${layer.getClassName()}), where TF.js expects ${expected.length}.`,
    );
  }
  expected.forEach((variable, i) => {
    const want = variable.shape.join('x');
    const got = weights[i].shape.join('x');
    if (want !== got) {
      throw new InputError(
        file,
        `has a weight of shape [${got}] for '${variable.originalName}' in the layer '${layer.name}', where the model needs [${want}].`,
      );
    }
  });
  const tensors = weights.map((w) => tf.tensor(w.values, w.shape, 'float32'));
  try {
    layer.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}
